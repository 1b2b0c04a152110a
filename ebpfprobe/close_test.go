package ebpfprobe

import (
	"io"
	"testing"
)

// closeOK closes c now and fails the test when Close fails: a program, link,
// map or socket that does not close would spoil the machine-wide leak checks.
// Use it as `defer closeOK(t, "what", c)` to keep defer's timing.
func closeOK(tb testing.TB, what string, c io.Closer) {
	tb.Helper()
	if err := c.Close(); err != nil {
		tb.Errorf("close %s: %v", what, err)
	}
}
