package cmdutil

import (
	"fmt"
	"os"

	"github.com/gocap/gocap/reports"
)

// Gate applies --min-score and --fail-on to a report.
func Gate(r *reports.Report, minScore float64, failOn string) error {
	if minScore > 0 {
		if r.Score == nil {
			return &GateError{Reason: fmt.Sprintf("--min-score %.0f: no dimension could be measured", minScore)}
		}
		if *r.Score < minScore {
			return &GateError{Reason: fmt.Sprintf("score %.1f is below --min-score %.0f", *r.Score, minScore)}
		}
	}
	if failOn != "" {
		sev := reports.Severity(failOn)
		n := 0
		for _, f := range r.Findings() {
			if f.Severity.Rank() >= sev.Rank() {
				n++
			}
		}
		if n > 0 {
			return &GateError{Reason: fmt.Sprintf("%d findings at --fail-on %s or worse", n, failOn)}
		}
	}
	return nil
}

// IsDir reports whether p is an existing folder.
func IsDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
