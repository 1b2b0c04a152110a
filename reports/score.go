package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// ScoreModelV2 names the scoring model of Score (Report.ScoreModel).
const ScoreModelV2 = "v2"

// Score model v2 constants; see README "Scoring" and docs/scoring.md.
const (
	// HalfDensity is the cost density (FindingCost points per 1,000 measured
	// lines) at which a dimension scores 50: score = 100·2^(−density/HalfDensity).
	HalfDensity = 40.0
	// MinSizeLines is the least size a dimension is normalised by, so a tiny
	// module is not judged on a handful of lines: below it, one finding costs
	// what it would cost in a module of this many lines.
	MinSizeLines = 1000
	// BuildBlockerMaxScore and TestBlockerMaxScore cap the overall score
	// (and so the grade) while a blocker remains: F and C.
	BuildBlockerMaxScore = 40.0
	TestBlockerMaxScore  = 70.0
)

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

// DensityScore is a dimension's score for a cost (Σ FindingCost) over a
// measured size in lines: 100·2^(−density/HalfDensity), density being the
// cost per 1,000 lines of at least MinSizeLines. It falls strictly as cost
// grows and depends only on the total, never on how findings fall into rules.
func DensityScore(cost float64, lines int) float64 {
	size := float64(max(lines, MinSizeLines)) / 1000
	return 100 * math.Exp2(-cost/size/HalfDensity)
}

// Score computes every dimension, the overall score, the grade, the
// blockers, the coverage and the lab totals from the report's checks,
// findings, packages and labs. It replaces what an earlier Score set.
//
// A dimension is measured on the selected packages (Report.Packages) that at
// least one check measuring it ran on (Check.Coverage; a check that ran with
// no coverage covered every package). Its score is DensityScore of the summed
// FindingCost of its findings over the non-test lines of those packages; a
// finding reported identically by two checks counts once. A dimension
// measured on no package is "not measured" with a nil score. The overall
// score is the mean of the measured dimensions weighted by weight × measured
// share; Report.Coverage is the weighted measured share of every dimension
// the run's checks address. Blockers cap the score: a build blocker at
// BuildBlockerMaxScore (F), a test blocker at TestBlockerMaxScore (C). Labs
// are counted in Report.LabTotals and never move the score.
func Score(r *Report, weights map[string]float64) {
	r.ScoreModel = ScoreModelV2
	r.LabTotals = labTotals(r.Labs)

	pkgLines := map[string]int{}
	total := 0
	for _, p := range r.Packages {
		pkgLines[p.Path] = p.Lines
		total += p.Lines
	}
	selected := len(r.Packages)

	// Which packages each dimension was measured on, and by which checks.
	type dimAcc struct {
		addressed bool            // a check of the run measures it
		ran       bool            // one of those checks ran
		measured  map[string]bool // packages measured (nil map: no package info)
		why       []string        // why not measured, from checks that did not run
		notMeas   map[string]string
	}
	dims := map[string]*dimAcc{}
	get := func(id string) *dimAcc {
		a := dims[id]
		if a == nil {
			a = &dimAcc{measured: map[string]bool{}, notMeas: map[string]string{}}
			dims[id] = a
		}
		return a
	}
	for _, c := range r.Checks {
		for _, d := range c.Measures {
			a := get(d)
			a.addressed = true
			if !c.Status.Ran() {
				a.why = append(a.why, fmt.Sprintf("%s %s: %s", c.ID, c.Status, c.Summary))
				continue
			}
			a.ran = true
			skip := map[string]string{}
			if c.Coverage != nil {
				for _, nm := range c.Coverage.NotMeasured {
					skip[nm.Package] = c.ID + ": " + nm.Reason
				}
			}
			for _, p := range r.Packages {
				if why, ok := skip[p.Path]; ok {
					if _, seen := a.notMeas[p.Path]; !seen {
						a.notMeas[p.Path] = why
					}
					continue
				}
				a.measured[p.Path] = true
			}
		}
	}

	// Costs per dimension, each distinct claim once; blockers.
	type ruleAcc struct {
		cost float64
		n    int
		hint string
	}
	cost := map[string]float64{}
	count := map[string]int{}
	rules := map[string]map[string]*ruleAcc{}
	seen := map[claimKey]bool{}
	r.Blockers = nil
	var build, test bool
	for _, f := range r.Findings() {
		k := claimOf(f)
		if seen[k] {
			continue
		}
		seen[k] = true
		if kind := BlockerKindOf(f); kind != "" && !blockerAt(r.Blockers, kind, f) {
			r.Blockers = append(r.Blockers, Blocker{Kind: kind, Cap: kind.GradeCap(), Check: f.Check, Rule: f.Rule, File: f.File, Line: f.Line, Message: f.Message})
			build = build || kind == BlockerBuild
			test = test || kind == BlockerTest
		}
		if f.Dimension == "" {
			continue
		}
		c := FindingCost(f)
		cost[f.Dimension] += c
		count[f.Dimension]++
		m := rules[f.Dimension]
		if m == nil {
			m = map[string]*ruleAcc{}
			rules[f.Dimension] = m
		}
		rk := f.Check + "/" + f.Rule
		ra := m[rk]
		if ra == nil {
			ra = &ruleAcc{hint: f.Hint}
			m[rk] = ra
		}
		ra.cost += c
		ra.n++
	}
	slices.SortStableFunc(r.Blockers, func(a, b Blocker) int {
		return cmp.Or(cmp.Compare(blockerRank(a.Kind), blockerRank(b.Kind)), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message))
	})

	r.Dimensions = r.Dimensions[:0]
	var sum, wsum, covW, covSum float64
	for _, def := range Dimensions {
		a := dims[def.ID]
		if a == nil || !a.addressed {
			continue // nothing in this run measures it: leave it out
		}
		w := def.Weight
		if ww, ok := weights[def.ID]; ok {
			w = ww
		}
		d := Dimension{ID: def.ID, Name: def.Name, Weight: w}
		n, lines := 0, 0
		for p := range a.measured {
			n++
			lines += pkgLines[p]
		}
		d.Coverage = &Coverage{Measured: n, Selected: selected}
		for _, p := range r.Packages {
			if !a.measured[p.Path] {
				why := a.notMeas[p.Path]
				if why == "" {
					why = "no check measuring it ran"
				}
				d.Coverage.NotMeasured = append(d.Coverage.NotMeasured, NotMeasured{Package: p.Path, Reason: why})
			}
		}
		share := 0.0 // measured share of the code, by lines (by packages when sizes are unknown)
		switch {
		case !a.ran:
		case selected == 0:
			share = 1 // a report without package info: the module as a whole
		case total > 0:
			share = float64(lines) / float64(total)
		default:
			share = float64(n) / float64(selected)
		}
		covW += w
		covSum += w * share
		if !a.ran || (selected > 0 && n == 0) {
			switch {
			case !a.ran && len(a.why) > 0:
				d.Summary = "not measured: " + a.why[0]
			default:
				d.Summary = fmt.Sprintf("not measured: measured on 0 of %d packages", selected)
			}
			r.Dimensions = append(r.Dimensions, d)
			continue
		}
		if selected == 0 {
			d.Coverage = nil
		}
		c := cost[def.ID]
		s := round1(DensityScore(c, lines))
		d.Score = &s
		lost := 100 - DensityScore(c, lines)
		for rule, ra := range rules[def.ID] {
			d.Deductions = append(d.Deductions, Deduction{Rule: rule, Points: round1(lost * ra.cost / c), Findings: ra.n, Hint: ra.hint})
		}
		slices.SortFunc(d.Deductions, func(x, y Deduction) int {
			return cmp.Or(cmp.Compare(y.Points, x.Points), cmp.Compare(x.Rule, y.Rule))
		})
		d.Summary = dimSummary(count[def.ID], c, n, selected)
		r.Dimensions = append(r.Dimensions, d)
		if w > 0 && share > 0 {
			sum += w * share * s
			wsum += w * share
		}
	}
	r.Coverage = nil
	if covW > 0 {
		v := math.Round(covSum/covW*1000) / 1000
		r.Coverage = &v
	}
	if wsum == 0 {
		r.Score = nil
		r.Grade = "-"
		if build {
			r.Grade = "F" // nothing measured, but something does not build
		}
		return
	}
	s := round1(sum / wsum)
	if build {
		s = math.Min(s, BuildBlockerMaxScore)
	}
	if test {
		s = math.Min(s, TestBlockerMaxScore)
	}
	r.Score = &s
	r.Grade = Grade(s)
}

func dimSummary(n int, cost float64, measured, selected int) string {
	s := "no findings"
	switch n {
	case 0:
	case 1:
		s = "1 finding costs " + strconv.FormatFloat(round1(cost), 'f', 1, 64) + " points"
	default:
		s = strconv.Itoa(n) + " findings cost " + strconv.FormatFloat(round1(cost), 'f', 1, 64) + " points"
	}
	if selected > 0 {
		s += "; measured on " + strconv.Itoa(measured) + " of " + strconv.Itoa(selected) + " packages"
	}
	return s
}

// blockerAt reports whether bs already names a blocker of this kind at f's
// place (a compile error seen by go test and by the type checker is one
// blocker to fix).
func blockerAt(bs []Blocker, kind BlockerKind, f Finding) bool {
	if f.File == "" {
		return false
	}
	for _, b := range bs {
		if b.Kind == kind && b.File == f.File && b.Line == f.Line {
			return true
		}
	}
	return false
}

func blockerRank(k BlockerKind) int {
	if k == BlockerBuild {
		return 0
	}
	return 1
}

// claimKey identifies one claim: the same claim from two checks (a package
// that does not type-check, seen by vet, errors and logging) counts once.
type claimKey struct {
	dim, rule, file, msg string
	line, col            int
}

func claimOf(f Finding) claimKey {
	return claimKey{dim: f.Dimension, rule: f.Rule, file: f.File, msg: f.Message, line: f.Line, col: f.Col}
}

func labTotals(ls []Lab) *LabTotals {
	if len(ls) == 0 {
		return nil
	}
	t := &LabTotals{Labs: len(ls)}
	for _, l := range ls {
		for _, s := range l.Steps {
			switch s.Status {
			case StatusPass:
				t.Passed++
			case StatusSkipped:
				t.Skipped++
			default:
				t.Failed++
			}
		}
	}
	return t
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
