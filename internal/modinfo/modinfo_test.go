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
	pk, err := ListPackages(context.Background(), root, []string{"./..."})
	if err != nil || !slices.Contains(pk, "example.com/clean/calc") {
		t.Fatalf("packages = %v, %v", pk, err)
	}
}
