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
	if n <= 0 {
		return nil
	}
	// One pass keeping the n best (a report holds thousands of findings; a
	// full sort of Finding values costs more than the rest of a render).
	type cand struct {
		f    *Finding
		cost float64
		test int
	}
	better := func(a, b cand) bool {
		return cmp.Or(
			cmp.Compare(b.cost, a.cost),
			cmp.Compare(a.test, b.test),
			cmp.Compare(b.f.Severity.Rank(), a.f.Severity.Rank()),
			compareFindings(*a.f, *b.f),
		) < 0
	}
	top := make([]cand, 0, n+1)
	for ci := range r.Checks {
		for fi := range r.Checks[ci].Findings {
			f := &r.Checks[ci].Findings[fi]
			cost := FindingCost(*f)
			if cost <= 0 || BlockerKindOf(*f) != "" {
				continue
			}
			c := cand{f: f, cost: cost, test: boolRank(InTestCode(*f))}
			if len(top) == n && !better(c, top[n-1]) {
				continue
			}
			i := len(top)
			top = append(top, c)
			for i > 0 && better(c, top[i-1]) {
				top[i] = top[i-1]
				i--
			}
			top[i] = c
			if len(top) > n {
				top = top[:n]
			}
		}
	}
	out := make([]Finding, 0, len(top))
	for _, c := range top {
		if c.test == 0 {
			out = append(out, *c.f)
		}
	}
	for _, c := range top {
		if c.test == 1 {
			out = append(out, *c.f)
		}
	}
	return out
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
