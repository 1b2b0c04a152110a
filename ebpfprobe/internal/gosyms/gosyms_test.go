package gosyms

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestOpenSelf: the test binary is a Go binary; the probe offset lands on
// mallocgc's PUSHQ BP and symbolization finds this function.
func TestOpenSelf(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.GoVersion, "go1.") {
		t.Errorf("go version %q", b.GoVersion)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	one := make([]byte, 1)
	if _, err := f.ReadAt(one, int64(b.MallocgcOffset)); err != nil {
		t.Fatal(err)
	}
	if one[0] != 0x55 {
		t.Errorf("byte at the probe offset is %#x, want PUSHQ BP (0x55)", one[0])
	}
	fn := b.table.LookupFunc("github.com/gocap/gocap/ebpfprobe/internal/gosyms.TestOpenSelf")
	if fn == nil {
		t.Fatal("TestOpenSelf not in pclntab")
	}
	fr, ok := b.Lookup(fn.Entry)
	if !ok || !strings.HasSuffix(fr.File, "gosyms_test.go") || fr.Line == 0 {
		t.Errorf("Lookup: %+v %v", fr, ok)
	}
}

func TestOpenRejects(t *testing.T) {
	for _, p := range []string{"/bin/true", "gosyms.go"} {
		if _, err := Open(p); !errors.Is(err, ErrNotGo) {
			t.Errorf("%s: %v, want ErrNotGo", p, err)
		}
	}
}

func TestVersions(t *testing.T) {
	for v, want := range map[string]bool{"go1.16.15": false, "go1.17": true, "go1.26.8": true, "go1.9": false, "go2.0": true, "devel": false} {
		if atLeast117(v) != want {
			t.Errorf("%s: %v", v, !want)
		}
	}
	if pushOffset([]byte{0x49, 0x3b, 0x66, 0x10, 0x76, 0x20, 0x55, 0x48, 0x89, 0xe5, 0, 0, 0, 0, 0, 0}) != 6 {
		t.Error("rel8 prologue")
	}
	if pushOffset(make([]byte, 16)) != 0 {
		t.Error("unknown prologue must probe the entry")
	}
}
