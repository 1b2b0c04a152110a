package cmdutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/gocap/gocap/reports"
)

func gateReport(score, baseScore float64, findings ...reports.Finding) *reports.Report {
	r := &reports.Report{Score: &score, Checks: []reports.Check{{ID: "vet", Status: reports.StatusFail, Findings: findings}}}
	r.Baseline = &reports.BaselineInfo{Path: "base.json", Score: &baseScore}
	return r
}

func TestGateWith(t *testing.T) {
	oldErr := reports.Finding{Check: "vet", Rule: "a", Severity: reports.SevError, Baseline: reports.BaselineUnchanged}
	newWarn := reports.Finding{Check: "vet", Rule: "b", Severity: reports.SevWarning, Baseline: reports.BaselineNew}
	r := gateReport(80, 85, oldErr, newWarn)
	for _, tc := range []struct {
		o    GateOptions
		want string // "" passes
	}{
		{GateOptions{MaxScoreDrop: -1}, ""},
		{GateOptions{MinScore: 81, MaxScoreDrop: -1}, "score 80.0 is below --min-score 81"},
		{GateOptions{FailOn: "error", MaxScoreDrop: -1}, "1 findings at --fail-on error"},
		{GateOptions{FailOn: "error", FailOnNew: true, MaxScoreDrop: -1}, ""}, // the error is old
		{GateOptions{FailOn: "warning", FailOnNew: true, MaxScoreDrop: -1}, "1 new findings at --fail-on warning"},
		{GateOptions{FailOnNew: true, MaxScoreDrop: -1}, "1 new findings since the baseline base.json"},
		{GateOptions{MaxScoreDrop: 5}, ""},
		{GateOptions{MaxScoreDrop: 4.9}, "score dropped 5.0 points (85.0 → 80.0)"},
		{GateOptions{MinScore: 90, MaxScoreDrop: 1}, "below --min-score 90; score dropped"},
	} {
		err := GateWith(r, tc.o)
		var ge *GateError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.o, err)
		case tc.want != "" && (!errors.As(err, &ge) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
	if err := GateWith(r, GateOptions{FailOn: "warning", MaxScoreDrop: -1}); err == nil || ExitCode(err) != ExitGate {
		t.Errorf("Gate(fail-on warning): %v", err)
	}
}
