// Package testmod writes small Go modules for tests.
package testmod

import (
	"os"
	"path/filepath"
	"testing"
)

// Write creates files (slash path → content) in a new temporary folder and
// returns it; the test fails on any write error.
func Write(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
