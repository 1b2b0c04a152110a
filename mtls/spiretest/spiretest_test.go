package spiretest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, a ...any) {
	f.msg = fmt.Sprintf(format, a...)
	runtime.Goexit()
}

// TestMissingBinariesFail: without the binaries the interop test fails
// (never skips) and says how to build them.
func TestMissingBinariesFail(t *testing.T) {
	t.Setenv("GOCAP_SPIRE_DIR", t.TempDir())
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(rec, "spiffe://example.org/x")
	}()
	<-done
	if !strings.Contains(rec.msg, "make spire") || !strings.Contains(rec.msg, "spire-server") {
		t.Errorf("failure message %q", rec.msg)
	}
}
