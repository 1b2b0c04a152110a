package errs

import (
	"os"
	"testing"
)

// An error dropped in a test is a warning, not an error.
func TestChdir(t *testing.T) {
	os.Chdir(t.TempDir()) // want "errcheck: error returned by os.Chdir is not checked"
}

// A bare recover() swallows a panic on purpose: not a dropped error.
func TestSwallow(t *testing.T) {
	defer func() {
		recover()
	}()
	panic("x")
}
