package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/reports"
)

func gateReport(score, baseScore float64, findings ...reports.Finding) *reports.Report {
	r := &reports.Report{Score: &score, Checks: []reports.Check{{ID: "vet", Status: reports.StatusFail, Findings: findings}}}
	r.Baseline = &reports.BaselineInfo{Path: "base.json", Score: &baseScore}
	return r
}

func TestVerdict(t *testing.T) {
	oldErr := reports.Finding{Check: "vet", Rule: "a", Severity: reports.SevError, Baseline: reports.BaselineUnchanged}
	newWarn := reports.Finding{Check: "vet", Rule: "b", Severity: reports.SevWarning, Baseline: reports.BaselineNew}
	r := gateReport(80, 85, oldErr, newWarn)
	for _, tc := range []struct {
		o    Gate
		want string // "" passes
	}{
		{Gate{MaxScoreDrop: -1}, ""},
		{Gate{MinScore: 81, MaxScoreDrop: -1}, "score 80.0 is below --min-score 81"},
		{Gate{FailOn: "error", MaxScoreDrop: -1}, "1 findings at --fail-on error"},
		{Gate{FailOn: "error", FailOnNew: true, MaxScoreDrop: -1}, ""}, // the error is old
		{Gate{FailOn: "warning", FailOnNew: true, MaxScoreDrop: -1}, "1 new findings at --fail-on warning"},
		{Gate{FailOnNew: true, MaxScoreDrop: -1}, "1 new findings since the baseline base.json"},
		{Gate{MaxScoreDrop: 5}, ""},
		{Gate{MaxScoreDrop: 4.9}, "score dropped 5.0 points (85.0 → 80.0)"},
		{Gate{MinScore: 90, MaxScoreDrop: 1}, "below --min-score 90; score dropped"},
	} {
		err := Verdict(r, tc.o)
		var ge *cmdutil.GateError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.o, err)
		case tc.want != "" && (!errors.As(err, &ge) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
	if err := Verdict(r, Gate{FailOn: "warning", MaxScoreDrop: -1}); err == nil || cmdutil.ExitCode(err) != cmdutil.ExitGate {
		t.Errorf("Gate(fail-on warning): %v", err)
	}
}

// TestVerdictBlockers: with no flags a blocker fails the gate (exit 1);
// --fail-on none reports only; a report without blockers passes.
func TestVerdictBlockers(t *testing.T) {
	race := reports.Finding{Check: "race", Rule: reports.RuleDataRace, Dimension: reports.DimConcurrency, Severity: reports.SevError, File: "a.go", Line: 3}
	warn := reports.Finding{Check: "vet", Rule: "unusedwrite", Dimension: reports.DimCorrectness, Severity: reports.SevWarning}
	r := &reports.Report{Checks: []reports.Check{{ID: "race", Status: reports.StatusFail, Measures: []string{reports.DimConcurrency}, Findings: []reports.Finding{race, warn}}}}
	reports.Score(r, nil)
	err := Verdict(r, Gate{MaxScoreDrop: -1})
	if cmdutil.ExitCode(err) != cmdutil.ExitGate || !strings.Contains(err.Error(), "1 blocker (data-race at a.go:3") {
		t.Errorf("default gate with a data race: %v, want exit 1 naming the blocker", err)
	}
	if err := Verdict(r, Gate{FailOn: FailOnNone, MaxScoreDrop: -1}); err != nil {
		t.Errorf("--fail-on none: %v, want no gate failure", err)
	}
	clean := &reports.Report{Checks: []reports.Check{{ID: "vet", Status: reports.StatusPass, Measures: []string{reports.DimCorrectness}, Findings: []reports.Finding{warn}}}}
	reports.Score(clean, nil)
	if err := Verdict(clean, Gate{MaxScoreDrop: -1}); err != nil {
		t.Errorf("default gate without blockers: %v", err)
	}
	if err := ParseFailOn("info"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("--fail-on info: %v, want a usage error", err)
	}
}
