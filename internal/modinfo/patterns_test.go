package modinfo

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestRootPatterns: relative patterns are read from the folder gocap runs
// in (as go vet reads them), then rewritten for the module root.
func TestRootPatterns(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	cases := []struct {
		dir  string
		in   []string
		want []string
	}{
		{root, []string{"./...", ".", "./x"}, []string{"./...", ".", "./x"}},
		{sub, []string{"./..."}, []string{"./a/b/..."}},
		{sub, []string{"."}, []string{"./a/b"}},
		{sub, []string{"../c", "..", "../../..."}, []string{"./a/c", "./a", "./..."}},
		{sub, []string{"example.com/m/pkg", "std"}, []string{"example.com/m/pkg", "std"}},
		{sub, []string{"../../../x"}, []string{filepath.Join(filepath.Dir(root), "x")}},
	}
	for _, c := range cases {
		if got := RootPatterns(root, c.dir, c.in); !slices.Equal(got, c.want) {
			t.Errorf("RootPatterns(%s, %v) = %v, want %v", c.dir, c.in, got, c.want)
		}
	}
}
