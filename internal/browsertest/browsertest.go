// Package browsertest holds what gocap's headless-Chromium tests share.
package browsertest

import (
	"os"
	"testing"
)

// TempDir returns a new folder in /tmp, removed when the test ends, for
// Chromium's TMPDIR and profile. Not t.TempDir(): Chromium keeps its
// singleton socket in TMPDIR and a Unix socket path holds at most 107 bytes;
// under a long TMPDIR (gocap's race leg runs tests beneath its own temp
// folder) the test's name made it longer and Chromium failed to start.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "gocap-cr-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	return dir
}
