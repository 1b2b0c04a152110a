package loadgen

import (
	"fmt"
	"os"
	"testing"

	"github.com/gocap/gocap/internal/ebpftestlock"
)

// TestMain takes the eBPF tests lock: TestTargetJoin loads the GC tracer,
// which the other eBPF test binaries' leak counts would see.
func TestMain(m *testing.M) {
	unlock, err := ebpftestlock.Lock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	unlock()
	os.Exit(code)
}
