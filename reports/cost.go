package reports

import "strings"

// Points a finding costs, by severity, before its weight and the test-code
// factor; see README "Scoring" and docs/scoring.md. An info finding is a
// note (an escape that is not hot): a hundred of them cost one error.
const (
	PointsError   = 10.0
	PointsWarning = 3.0
	PointsInfo    = 0.1
)

// TestCodeFactor scales the cost of a finding in test code (a _test.go
// file). A defect there can hide a real bug (a test that passes for the
// wrong reason), so it still counts; it does not ship to users, so it counts
// half. A finding without a file (a whole package, go.mod) is production.
const TestCodeFactor = 0.5

// Points returns what one finding of severity s costs at full weight.
func Points(s Severity) float64 {
	switch s {
	case SevError:
		return PointsError
	case SevWarning:
		return PointsWarning
	case SevInfo:
		return PointsInfo
	}
	return 0
}

// InTestCode reports whether the finding is in test code (a _test.go file).
func InTestCode(f Finding) bool { return strings.HasSuffix(f.File, "_test.go") }

// FindingCost is what one finding costs its dimension: severity points ×
// weight (Finding.Weight in (0, 1]; 0 means full) × TestCodeFactor when it is
// in test code. It is the one per-finding cost: the score sums it and the
// "fix first" list orders findings by it.
func FindingCost(f Finding) float64 {
	p := Points(f.Severity)
	if f.Weight > 0 && f.Weight < 1 {
		p *= f.Weight
	}
	if InTestCode(f) {
		p *= TestCodeFactor
	}
	return p
}
