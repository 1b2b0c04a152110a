package modinfo

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestFindModuleErrors(t *testing.T) {
	if _, _, _, err := FindModule("/"); err == nil || !strings.Contains(err.Error(), "not inside a Go module") {
		t.Fatalf("err = %v", err)
	}
	if _, _, _, err := FindModule("testdata/nonexistent"); err == nil {
		t.Fatal("missing folder accepted")
	}
}

func TestListPackagesPatternMatchingNothing(t *testing.T) {
	root, _, _, err := FindModule("../../checks/testdata/clean")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ListPackages(context.Background(), root, []string{"./nothing/..."}); err == nil {
		t.Fatal("pattern matching nothing accepted")
	}
	// A folder written as an import path: the pattern error comes from
	// go list -json's Error field, with the hint.
	if _, err := ListPackages(context.Background(), root, []string{"calc"}); err == nil || !strings.Contains(err.Error(), `pattern "calc"`) || !strings.Contains(err.Error(), "write ./calc") {
		t.Fatalf("import-path pattern: err = %v", err)
	}
	pk, err := ListPackages(context.Background(), root, []string{"./..."})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range pk {
		paths = append(paths, p.ImportPath)
		if p.ImportPath == "example.com/clean/calc" && (len(p.GoFiles) == 0 || p.Dir == "" || p.Module == nil) {
			t.Fatalf("calc listed without its files, folder or module: %+v", p)
		}
	}
	if !slices.Contains(paths, "example.com/clean/calc") {
		t.Fatalf("packages = %v", paths)
	}
}
