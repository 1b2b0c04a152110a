// Package flaky holds a test that fails on its first run and passes on the
// next (a marker file at $GOCAP_FLAKY_MARKER tells them apart), as a
// timing-sensitive test does when a benchmark runs beside it, and a test that
// always fails.
package flaky

import (
	"os"
	"testing"
)

func TestFirstRunFails(t *testing.T) {
	marker := os.Getenv("GOCAP_FLAKY_MARKER")
	if marker == "" {
		t.Skip("GOCAP_FLAKY_MARKER not set")
	}
	if _, err := os.Stat(marker); err != nil {
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("took too long")
		t.Errorf("deadline exceeded after 3 attempts") // want "flaky-test TestFirstRunFails is flaky: it failed under gocap \\(deadline exceeded after 3 attempts\\) and passed when re-run alone"
	}
}

func TestAlwaysFails(t *testing.T) {
	t.Errorf("got %d, want %d", 1, 2) // want "test-failed TestAlwaysFails: got 1, want 2"
}
