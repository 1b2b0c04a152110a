package reports

import (
	"cmp"
	"slices"
)

// FixFirstCount is how many findings the "fix first" list holds.
const FixFirstCount = 10

// FixFirst returns the n findings worth fixing first: the n that cost the
// most points (FindingCost, which already halves test code), listed
// production code before test code, the blockers left out (every renderer
// names them above). Ties keep severity, then file and line order.
func FixFirst(r *Report, n int) []Finding {
	var fs []Finding
	for _, c := range r.Checks {
		for _, f := range c.Findings {
			if BlockerKindOf(f) == "" && FindingCost(f) > 0 {
				fs = append(fs, f)
			}
		}
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(FindingCost(b), FindingCost(a)),
			cmp.Compare(boolRank(InTestCode(a)), boolRank(InTestCode(b))),
			cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			compareFindings(a, b),
		)
	})
	if len(fs) > n {
		fs = fs[:n]
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Compare(boolRank(InTestCode(a)), boolRank(InTestCode(b)))
	})
	return fs
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ChecksByUrgency returns the report's checks in the order a reader should
// see them: checks with errors (or that failed to run) first, then those
// with warnings, then those with only notes, then the clean ones; report
// order within each group. Hundreds of escape notes never push the errors
// down.
func ChecksByUrgency(r *Report) []*Check {
	cs := make([]*Check, len(r.Checks))
	for i := range r.Checks {
		cs[i] = &r.Checks[i]
	}
	slices.SortStableFunc(cs, func(a, b *Check) int { return cmp.Compare(urgency(b), urgency(a)) })
	return cs
}

func urgency(c *Check) int {
	u := 0
	if c.Status == StatusError || c.Status == StatusTimeout || c.Status == StatusInterrupted {
		u = SevError.Rank()
	}
	for _, f := range c.Findings {
		u = max(u, f.Severity.Rank())
	}
	return u
}
