package errwriter

import (
	"errors"
	"strings"
	"testing"
)

// failAfter accepts n writes, then fails every write.
type failAfter struct {
	n     int
	calls int
	got   strings.Builder
}

var errFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	f.calls++
	if f.n == 0 {
		return 0, errFull
	}
	f.n--
	return f.got.Write(p)
}

func TestKeepsFirstErrorAndStops(t *testing.T) {
	dst := &failAfter{n: 2}
	w := New(dst)
	w.Printf("a=%d\n", 1)
	w.Println("b")
	if w.Err() != nil {
		t.Fatalf("Err after good writes = %v", w.Err())
	}
	w.Print("c")
	w.Printf("d\n")
	if _, err := w.Write([]byte("e")); !errors.Is(err, errFull) {
		t.Errorf("Write after failure = %v, want %v", err, errFull)
	}
	if !errors.Is(w.Err(), errFull) {
		t.Errorf("Err = %v, want %v", w.Err(), errFull)
	}
	if got := dst.got.String(); got != "a=1\nb\n" {
		t.Errorf("written %q, want only the writes before the failure", got)
	}
	if dst.calls != 3 {
		t.Errorf("writer called %d times, want 3 (two good writes, one failure)", dst.calls)
	}
}
