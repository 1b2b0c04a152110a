package checks

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gocap/gocap/reports"
)

// TestFindingDimensionsKnown runs the checks over the defects testdata
// module and fails on a finding, or a check's Measures, naming a dimension
// that is not one of reports.Dimensions. (The race and pprof legs, which run
// go test, are covered by the same assertion in TestRuntimeLegsOnDefects'
// module through their declared Measures here.)
func TestFindingDimensionsKnown(t *testing.T) {
	for _, c := range testChecks {
		for _, d := range c.Measures {
			if !reports.KnownDimension(d) {
				t.Errorf("check %s measures unknown dimension %q", c.ID, d)
			}
		}
	}
	root, _ := filepath.Abs("testdata/defects")
	rep, err := Run(context.Background(), Options{Dir: root, Checks: testChecks, Only: []string{"vet", "fmt", "tidy", "escape", "errors", "logging"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range rep.Checks {
		for _, f := range c.Findings {
			n++
			if !reports.KnownDimension(f.Dimension) {
				t.Errorf("%s finding %s at %s:%d has unknown dimension %q", c.ID, f.Rule, f.File, f.Line, f.Dimension)
			}
			if i := slices.IndexFunc(testChecks, func(x *Check) bool { return x.ID == c.ID }); i >= 0 && !slices.Contains(testChecks[i].Measures, f.Dimension) && f.Rule != reports.RuleTypecheck {
				t.Errorf("%s finding %s costs %q, a dimension the check does not declare in Measures", c.ID, f.Rule, f.Dimension)
			}
		}
	}
	if n == 0 {
		t.Fatal("no findings on the defects module: the test measured nothing")
	}
}
