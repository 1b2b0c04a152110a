// Package testclose is for tests: it closes a resource and fails the test
// when Close fails, so a leaked program, socket or source cannot pass
// unnoticed.
package testclose

import (
	"io"
	"testing"
)

// OK closes c now and reports a failed Close as a test error naming what.
// Use it as `defer testclose.OK(t, "listener", ln)` to keep defer's timing.
func OK(tb testing.TB, what string, c io.Closer) {
	tb.Helper()
	if err := c.Close(); err != nil {
		tb.Errorf("close %s: %v", what, err)
	}
}
