package root

import (
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/version"
)

// TestVersionFlag: gocap --version prints internal/version's answer, the
// one every report's tool.version carries.
func TestVersionFlag(t *testing.T) {
	code, out, errOut := run(t, "--version")
	if code != 0 || strings.TrimSpace(out) != "gocap version "+version.String() {
		t.Fatalf("gocap --version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
