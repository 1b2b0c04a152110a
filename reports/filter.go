package reports

// FilterFindings keeps the findings for which keep returns true, drops the
// others, and returns the dropped ones. A check that ran keeps status fail
// only while an error finding remains. Call Score afterwards.
func FilterFindings(r *Report, keep func(Finding) bool) []Finding {
	var dropped []Finding
	for ci := range r.Checks {
		c := &r.Checks[ci]
		kept := c.Findings[:0]
		for _, f := range c.Findings {
			if keep(f) {
				kept = append(kept, f)
			} else {
				dropped = append(dropped, f)
			}
		}
		c.Findings = kept
		c.Status = checkStatus(*c)
	}
	return dropped
}

// checkStatus recomputes pass/fail from the findings; error and skipped stay.
func checkStatus(c Check) Status {
	if c.Status != StatusPass && c.Status != StatusFail {
		return c.Status
	}
	for _, f := range c.Findings {
		if f.Severity == SevError {
			return StatusFail
		}
	}
	return StatusPass
}

// AddCheck appends a check (gocap's own, such as the ignore-directive
// check) or, when one with the same id exists, appends its findings there.
func (r *Report) AddCheck(c Check) {
	if c.Findings == nil {
		c.Findings = []Finding{}
	}
	for i := range c.Findings {
		if c.Findings[i].Check == "" {
			c.Findings[i].Check = c.ID
		}
	}
	if old := r.Check(c.ID); old != nil {
		old.Findings = append(old.Findings, c.Findings...)
		SortFindings(old.Findings)
		old.Status = checkStatus(*old)
		return
	}
	SortFindings(c.Findings)
	c.Status = checkStatus(c)
	r.Checks = append(r.Checks, c)
}

// Weights returns the dimension weights the report was scored with, to
// re-score it (after a merge or a filter) with the same weights.
func (r *Report) Weights() map[string]float64 {
	w := map[string]float64{}
	for _, d := range r.Dimensions {
		w[d.ID] = d.Weight
	}
	return w
}
