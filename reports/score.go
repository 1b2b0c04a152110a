package reports

import (
	"fmt"
	"math"
	"sort"
)

// DimensionDef declares a capability dimension and its weight in the overall score.
type DimensionDef struct {
	ID     string
	Name   string
	Weight float64
}

// Dimensions known to gocap, in report order. Weights are relative; the overall
// score is the weighted mean over the dimensions that were measured.
var Dimensions = []DimensionDef{
	{"correctness", "Correctness", 20},
	{"style", "Style", 5},
	{"dependencies", "Dependencies", 5},
	{"concurrency", "Concurrency", 15},
	{"memory", "Memory", 10},
	{"performance", "Performance", 10},
	{"errors", "Error handling", 15},
	{"observability", "Observability", 10},
	{"ebpf", "eBPF", 10},
	{"wasm", "WebAssembly", 10},
	{"zerotrust", "Zero trust (mTLS)", 10},
}

// Points a finding costs in its dimension, by severity; see README "Scoring".
const (
	PointsError   = 10.0
	PointsWarning = 3.0
	PointsInfo    = 0.5
	// RuleCap is the most one rule can cost a dimension, so one noisy rule
	// cannot hide every other signal.
	RuleCap = 40.0
	// InfoCap is the most all info findings together can cost a dimension.
	InfoCap = 10.0
)

// Points returns what one finding of severity s costs.
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

// Grade maps a score to a letter: >90 A+, >80 A, >70 B, >60 C, >50 D, >40 E, else F.
func Grade(score float64) string {
	switch {
	case score > 90:
		return "A+"
	case score > 80:
		return "A"
	case score > 70:
		return "B"
	case score > 60:
		return "C"
	case score > 50:
		return "D"
	case score > 40:
		return "E"
	}
	return "F"
}

// Score computes every dimension, the overall score and the grade from the
// report's checks and labs. It replaces r.Dimensions, r.Score and r.Grade.
//
// A dimension is measured when a check that ran (pass or fail) lists it in
// Measures, or a lab of that dimension ran steps. Its score is
// 100 − Σ per-rule deductions (floored at 0), each rule's deduction being
// min(RuleCap, Σ Points(severity) × weight), and info findings together costing
// at most InfoCap. A finding's Weight (0: full) scales its points; hot escapes
// are weighted by heat (see checks.HeatWeight). A lab dimension scores the share of its steps that passed (skipped
// steps excluded). A dimension that was not measured has a nil score and a
// summary saying why; it does not count in the overall score.
func Score(r *Report, weights map[string]float64) {
	measured := map[string]bool{}
	why := map[string]string{}
	for _, c := range r.Checks {
		if c.Status == StatusPass || c.Status == StatusFail {
			for _, d := range c.Measures {
				measured[d] = true
			}
		} else {
			for _, d := range c.Measures {
				if why[d] == "" {
					why[d] = fmt.Sprintf("%s %s: %s", c.ID, c.Status, c.Summary)
				}
			}
		}
	}
	type acc struct {
		pts, info float64
		n         int
		hint      string
	}
	perDim := map[string]map[string]*acc{}
	for _, f := range r.Findings() {
		if f.Dimension == "" {
			continue
		}
		m := perDim[f.Dimension]
		if m == nil {
			m = map[string]*acc{}
			perDim[f.Dimension] = m
		}
		key := f.Check + "/" + f.Rule
		a := m[key]
		if a == nil {
			a = &acc{hint: f.Hint}
			m[key] = a
		}
		a.n++
		p := Points(f.Severity)
		if f.Weight > 0 && f.Weight < 1 {
			p *= f.Weight
		}
		if f.Severity == SevInfo {
			a.info += p
		} else {
			a.pts += p
		}
	}
	labs := map[string][2]int{} // passed, counted
	labSummary := map[string]string{}
	for _, l := range r.Labs {
		v := labs[l.Dimension]
		for _, s := range l.Steps {
			switch s.Status {
			case StatusPass:
				v[0]++
				v[1]++
			case StatusFail, StatusError:
				v[1]++
			}
		}
		labs[l.Dimension] = v
		if labSummary[l.Dimension] == "" {
			labSummary[l.Dimension] = l.Summary
		}
	}

	r.Dimensions = r.Dimensions[:0]
	var sum, wsum float64
	for _, def := range Dimensions {
		w := def.Weight
		if ww, ok := weights[def.ID]; ok {
			w = ww
		}
		d := Dimension{ID: def.ID, Name: def.Name, Weight: w}
		if lv, ok := labs[def.ID]; ok {
			if lv[1] == 0 {
				d.Summary = "not measured: every lab step was skipped; " + labSummary[def.ID]
			} else {
				s := round1(100 * float64(lv[0]) / float64(lv[1]))
				d.Score = &s
				d.Summary = fmt.Sprintf("%d of %d lab steps passed", lv[0], lv[1])
				if lv[0] < lv[1] {
					d.Deductions = append(d.Deductions, Deduction{Rule: "lab/step-failed", Points: round1(100 - s), Findings: lv[1] - lv[0], Hint: "a lab step failed: see the lab's steps for the reason"})
				}
			}
			r.Dimensions = append(r.Dimensions, d)
			if d.Score != nil && w > 0 {
				sum += w * *d.Score
				wsum += w
			}
			continue
		}
		if !measured[def.ID] {
			if why[def.ID] == "" {
				continue // nothing in this run measures it: leave it out
			}
			d.Summary = "not measured: " + why[def.ID]
			r.Dimensions = append(r.Dimensions, d)
			continue
		}
		total := 0.0
		info := 0.0
		n := 0
		for rule, a := range perDim[def.ID] {
			p := math.Min(RuleCap, a.pts)
			ip := a.info
			if info+ip > InfoCap {
				ip = math.Max(0, InfoCap-info)
			}
			info += ip
			if p+ip == 0 {
				continue
			}
			total += p + ip
			n += a.n
			d.Deductions = append(d.Deductions, Deduction{Rule: rule, Points: round1(p + ip), Findings: a.n, Hint: a.hint})
		}
		sort.Slice(d.Deductions, func(i, j int) bool {
			if d.Deductions[i].Points != d.Deductions[j].Points {
				return d.Deductions[i].Points > d.Deductions[j].Points
			}
			return d.Deductions[i].Rule < d.Deductions[j].Rule
		})
		s := round1(math.Max(0, 100-total))
		d.Score = &s
		if n == 0 {
			d.Summary = "no findings"
		} else {
			d.Summary = fmt.Sprintf("%d findings cost %.1f points", n, round1(total))
			if n == 1 {
				d.Summary = fmt.Sprintf("1 finding costs %.1f points", round1(total))
			}
		}
		r.Dimensions = append(r.Dimensions, d)
		if w > 0 {
			sum += w * s
			wsum += w
		}
	}
	if wsum == 0 {
		r.Score = nil
		r.Grade = "-"
		return
	}
	s := round1(sum / wsum)
	r.Score = &s
	r.Grade = Grade(s)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
