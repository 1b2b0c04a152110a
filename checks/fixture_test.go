package checks

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFixture writes src to name under dir, making its folder; a failed
// write ends the test, which would otherwise check a module it never made.
func writeFixture(t testing.TB, dir, name, src string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}
