package cmdutil

import (
	"fmt"
	"os"
	"strings"

	"github.com/gocap/gocap/reports"
)

// GateOptions are the CI thresholds applied to a finished report.
type GateOptions struct {
	MinScore float64 // fail below this overall score (0: off)
	FailOn   string  // fail on a finding this severe or worse ("": off)
	// FailOnNew fails on any finding the baseline does not have (needs
	// Report.Baseline; with it, FailOn counts only new findings too).
	FailOnNew bool
	// MaxScoreDrop fails when the score fell more than this below the
	// baseline's (negative: off).
	MaxScoreDrop float64
}

// GateWith applies every gate and returns one GateError listing each that
// failed.
func GateWith(r *reports.Report, o GateOptions) error {
	var reasons []string
	if o.MinScore > 0 {
		if r.Score == nil {
			reasons = append(reasons, fmt.Sprintf("--min-score %g: no dimension could be measured", o.MinScore))
		} else if *r.Score < o.MinScore {
			reasons = append(reasons, fmt.Sprintf("score %.1f is below --min-score %g", *r.Score, o.MinScore))
		}
	}
	fs := r.Findings()
	if o.FailOnNew && r.Baseline != nil {
		fs = r.NewFindings()
	}
	if o.FailOn != "" {
		sev := reports.Severity(o.FailOn)
		n := 0
		for _, f := range fs {
			if f.Severity.Rank() >= sev.Rank() {
				n++
			}
		}
		if n > 0 {
			what := "findings"
			if o.FailOnNew && r.Baseline != nil {
				what = "new findings"
			}
			reasons = append(reasons, fmt.Sprintf("%d %s at --fail-on %s or worse", n, what, o.FailOn))
		}
	} else if o.FailOnNew && r.Baseline != nil && len(fs) > 0 {
		reasons = append(reasons, fmt.Sprintf("%d new findings since the baseline %s (--fail-on-new)", len(fs), r.Baseline.Path))
	}
	if o.MaxScoreDrop >= 0 && r.Baseline != nil && r.Baseline.Score != nil && r.Score != nil {
		if drop := *r.Baseline.Score - *r.Score; drop > o.MaxScoreDrop+1e-9 {
			reasons = append(reasons, fmt.Sprintf("score dropped %.1f points (%.1f → %.1f), more than --max-score-drop %g", drop, *r.Baseline.Score, *r.Score, o.MaxScoreDrop))
		}
	}
	if len(reasons) > 0 {
		return &GateError{Reason: strings.Join(reasons, "; ")}
	}
	return nil
}

// IsDir reports whether p is an existing folder.
func IsDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
