package pipeline

import (
	"fmt"
	"strings"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/reports"
)

// FailOn values (--fail-on).
const (
	// FailOnBlocker, the default: fail when the report has a blocker (a
	// package that does not build, a failing, panicking, timed-out or
	// racing test).
	FailOnBlocker = ""
	// FailOnError fails on any error finding (blockers are errors).
	FailOnError = "error"
	// FailOnWarning fails on any warning or error finding.
	FailOnWarning = "warning"
	// FailOnNone reports only: no finding or blocker fails the gate.
	FailOnNone = "none"
)

// Gate holds the CI thresholds applied to a finished report.
type Gate struct {
	MinScore float64 // fail below this overall score (0: off)
	// FailOn: FailOnBlocker (default), FailOnError, FailOnWarning or FailOnNone.
	FailOn string
	// FailOnNew fails on any finding the baseline does not have (needs
	// Report.Baseline); with it, FailOn counts only new findings too.
	FailOnNew bool
	// MaxScoreDrop fails when the score fell more than this below the
	// baseline's (negative: off).
	MaxScoreDrop float64
}

func (g Gate) validate() error {
	switch g.FailOn {
	case FailOnBlocker, FailOnError, FailOnWarning, FailOnNone:
	default:
		return cmdutil.Usagef("--fail-on %q: use error, warning or none", g.FailOn)
	}
	if g.MinScore < 0 || g.MinScore > 100 {
		return cmdutil.Usagef("--min-score %v: use a number from 0 to 100", g.MinScore)
	}
	return nil
}

// ParseFailOn checks a --fail-on value.
func ParseFailOn(s string) error { return Gate{FailOn: s}.validate() }

// Verdict applies every gate of g to r and returns one *cmdutil.GateError
// listing each that failed, or nil.
func Verdict(r *reports.Report, g Gate) error {
	var reasons []string
	if g.MinScore > 0 {
		if r.Score == nil {
			reasons = append(reasons, fmt.Sprintf("--min-score %g: no dimension could be measured", g.MinScore))
		} else if *r.Score < g.MinScore {
			reasons = append(reasons, fmt.Sprintf("score %.1f is below --min-score %g", *r.Score, g.MinScore))
		}
	}
	newOnly := g.FailOnNew && r.Baseline != nil
	fs := r.Findings()
	what := "findings"
	if newOnly {
		fs = r.NewFindings()
		what = "new findings"
	}
	switch g.FailOn {
	case FailOnBlocker:
		n := len(r.Blockers)
		if newOnly {
			n = 0
			seen := map[reports.Blocker]bool{}
			for _, f := range fs {
				if k := reports.BlockerKindOf(f); k != "" {
					b := reports.Blocker{Kind: k, Rule: f.Rule, File: f.File, Line: f.Line, Message: f.Message}
					if !seen[b] {
						seen[b] = true
						n++
					}
				}
			}
		}
		if n > 0 {
			b := plural(n, "blocker", "blockers")
			if newOnly {
				b = plural(n, "new blocker", "new blockers")
			}
			reasons = append(reasons, fmt.Sprintf("%s (%s; --fail-on none reports only)", b, blockerSummary(r)))
		} else if newOnly && len(fs) > 0 {
			reasons = append(reasons, fmt.Sprintf("%d new findings since the baseline %s (--fail-on-new)", len(fs), r.Baseline.Path))
		}
	case FailOnError, FailOnWarning:
		sev := reports.Severity(g.FailOn)
		n := 0
		for _, f := range fs {
			if f.Severity.Rank() >= sev.Rank() {
				n++
			}
		}
		if n > 0 {
			reasons = append(reasons, fmt.Sprintf("%d %s at --fail-on %s or worse", n, what, g.FailOn))
		}
	case FailOnNone:
		if newOnly && len(fs) > 0 {
			reasons = append(reasons, fmt.Sprintf("%d new findings since the baseline %s (--fail-on-new)", len(fs), r.Baseline.Path))
		}
	}
	if g.MaxScoreDrop >= 0 && r.Baseline != nil && r.Baseline.Score != nil && r.Score != nil {
		if drop := *r.Baseline.Score - *r.Score; drop > g.MaxScoreDrop+1e-9 {
			reasons = append(reasons, fmt.Sprintf("score dropped %.1f points (%.1f → %.1f), more than --max-score-drop %g", drop, *r.Baseline.Score, *r.Score, g.MaxScoreDrop))
		}
	}
	if len(reasons) > 0 {
		return &cmdutil.GateError{Reason: strings.Join(reasons, "; ")}
	}
	return nil
}

// blockerSummary names the first blocker and how many more there are.
func blockerSummary(r *reports.Report) string {
	if len(r.Blockers) == 0 {
		return "see the findings"
	}
	b := r.Blockers[0]
	s := b.Rule
	if b.File != "" {
		s += " at " + b.File
		if b.Line > 0 {
			s += fmt.Sprintf(":%d", b.Line)
		}
	}
	if len(r.Blockers) > 1 {
		s += fmt.Sprintf(" and %d more", len(r.Blockers)-1)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
