package reports

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func f(dim, rule string, sev Severity) Finding {
	return Finding{Check: "c", Rule: rule, Dimension: dim, Severity: sev}
}

func at(x Finding, line int) Finding {
	x.File, x.Line = "p/a.go", line
	return x
}

// pkgs returns n packages of lines non-test lines each.
func pkgs(n, lines int) []Package {
	out := make([]Package, n)
	for i := range out {
		out[i] = Package{Path: fmt.Sprintf("example.com/m/p%03d", i), Lines: lines, Tests: true}
	}
	return out
}

func TestGradeBoundaries(t *testing.T) {
	cases := map[float64]string{100: "A+", 90.1: "A+", 90: "A", 80.5: "A", 80: "B", 70: "C", 60: "D", 50: "E", 40: "F", 0: "F"}
	for s, want := range cases {
		if got := Grade(s); got != want {
			t.Errorf("Grade(%v) = %s, want %s", s, got, want)
		}
	}
}

func TestFindingCost(t *testing.T) {
	prod := Finding{Severity: SevWarning, File: "a/a.go"}
	test := Finding{Severity: SevWarning, File: "a/a_test.go"}
	hot := Finding{Severity: SevWarning, File: "a/a.go", Weight: 0.25}
	if FindingCost(prod) != PointsWarning || FindingCost(test) != PointsWarning*TestCodeFactor || FindingCost(hot) != PointsWarning*0.25 {
		t.Fatalf("costs prod %v test %v hot %v", FindingCost(prod), FindingCost(test), FindingCost(hot))
	}
	if FindingCost(Finding{Severity: SevError}) != PointsError || FindingCost(Finding{Severity: SevInfo}) != PointsInfo {
		t.Fatal("severity points")
	}
}

func TestScoreDeductionsTiedToFindings(t *testing.T) {
	r := &Report{Packages: pkgs(2, 500), Checks: []Check{
		{ID: "vet", Status: StatusFail, Measures: []string{DimCorrectness, DimConcurrency}, Findings: []Finding{
			at(f(DimCorrectness, "printf", SevError), 1), at(f(DimCorrectness, "printf", SevError), 2), at(f(DimCorrectness, "nilness", SevWarning), 3),
		}},
		{ID: "fmt", Status: StatusPass, Measures: []string{DimStyle}},
		{ID: "race", Status: StatusSkipped, Measures: []string{DimConcurrency}, Summary: "no tests"},
		{ID: "pprof", Status: StatusSkipped, Measures: []string{DimPerformance}, Summary: "no benchmarks"},
	}}
	Score(r, nil)
	corr := r.Dimension(DimCorrectness)
	want := round1(DensityScore(2*PointsError+PointsWarning, 1000))
	if corr == nil || corr.Score == nil || *corr.Score != want {
		t.Fatalf("correctness = %+v, want %v", corr, want)
	}
	if len(corr.Deductions) != 2 || corr.Deductions[0].Rule != "c/printf" || corr.Deductions[0].Findings != 2 {
		t.Fatalf("deductions = %+v", corr.Deductions)
	}
	if sum := corr.Deductions[0].Points + corr.Deductions[1].Points; math.Abs(sum-(100-*corr.Score)) > 0.2 {
		t.Fatalf("deductions sum to %v, lost %v", sum, 100-*corr.Score)
	}
	if d := r.Dimension(DimConcurrency); d == nil || d.Score == nil || *d.Score != 100 {
		t.Fatalf("concurrency (measured by vet) = %+v", d)
	}
	if perf := r.Dimension(DimPerformance); perf == nil || perf.Score != nil || !strings.HasPrefix(perf.Summary, "not measured") {
		t.Fatalf("performance must be present and not measured: %+v", perf)
	}
	if r.Dimension(DimMemory) != nil {
		t.Fatal("a dimension nothing in the run addresses must be left out")
	}
	if r.Grade != Grade(*r.Score) || r.ScoreModel != ScoreModelV2 {
		t.Fatalf("grade %s for %v, model %q", r.Grade, *r.Score, r.ScoreModel)
	}
}

// randomFindings draws n findings over a few dimensions, rules, severities,
// files (some in tests) and weights.
func randomFindings(rng *rand.Rand, n int) []Finding {
	dims := []string{DimCorrectness, DimErrors, DimMemory, DimStyle}
	sevs := []Severity{SevError, SevWarning, SevInfo}
	out := make([]Finding, n)
	for i := range out {
		out[i] = Finding{Check: "c", Rule: fmt.Sprintf("r%d", rng.IntN(5)), Dimension: dims[rng.IntN(len(dims))],
			Severity: sevs[rng.IntN(len(sevs))], File: fmt.Sprintf("p/f%d.go", rng.IntN(4)), Line: i + 1}
		if rng.IntN(3) == 0 {
			out[i].File = "p/f_test.go"
		}
		if rng.IntN(4) == 0 {
			out[i].Weight = rng.Float64()
		}
	}
	return out
}

func scoreOf(fs []Finding, p []Package) *Report {
	r := &Report{Packages: p, Checks: []Check{{ID: "c", Status: StatusFail,
		Measures: []string{DimCorrectness, DimErrors, DimMemory, DimStyle}, Findings: append([]Finding(nil), fs...)}}}
	Score(r, nil)
	return r
}

// TestScoreMonotonic: one more finding never raises a dimension's score or
// the overall score.
func TestScoreMonotonic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		fs := randomFindings(rng, rng.IntN(60))
		extra := randomFindings(rng, 1)[0]
		extra.Line = 100000 // a distinct claim
		before := scoreOf(fs, pkgs(3, 700))
		after := scoreOf(append(fs, extra), pkgs(3, 700))
		if *after.Score > *before.Score {
			t.Fatalf("trial %d: adding %+v raised the score %v → %v", trial, extra, *before.Score, *after.Score)
		}
		for _, d := range before.Dimensions {
			if a := after.Dimension(d.ID); *a.Score > *d.Score {
				t.Fatalf("trial %d: adding %+v raised %s %v → %v", trial, extra, d.ID, *d.Score, *a.Score)
			}
		}
		if d := after.Dimension(extra.Dimension); *d.Score >= *before.Dimension(extra.Dimension).Score && FindingCost(extra) > 1 {
			t.Fatalf("trial %d: %+v cost nothing in %s", trial, extra, extra.Dimension)
		}
	}
}

// TestScoreGroupingFree: the score depends on the weighted findings, not on
// how they fall into rules: ten findings over four rules score what ten over
// one rule score, and 177 findings over 2 rules cost what they would over 50.
func TestScoreGroupingFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 100; trial++ {
		fs := randomFindings(rng, 1+rng.IntN(200))
		one := append([]Finding(nil), fs...)
		many := append([]Finding(nil), fs...)
		for i := range one {
			one[i].Rule = "same"
			many[i].Rule = fmt.Sprintf("rule%d", i)
		}
		a, b, c := scoreOf(fs, pkgs(4, 900)), scoreOf(one, pkgs(4, 900)), scoreOf(many, pkgs(4, 900))
		if *a.Score != *b.Score || *a.Score != *c.Score {
			t.Fatalf("trial %d: regrouping rules changed the score: %v %v %v", trial, *a.Score, *b.Score, *c.Score)
		}
		for _, d := range a.Dimensions {
			if *d.Score != *b.Dimension(d.ID).Score || *d.Score != *c.Dimension(d.ID).Score {
				t.Fatalf("trial %d: regrouping changed %s", trial, d.ID)
			}
		}
	}
}

// TestScoreSizeAware: the same defect density in a module twice the size
// scores the same (±2), and one finding weighs less in a bigger module.
func TestScoreSizeAware(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 100; trial++ {
		fs := randomFindings(rng, 1+rng.IntN(80))
		double := append([]Finding(nil), fs...)
		for _, x := range fs {
			x.Line += 100000 // the same defects again, in the other half
			double = append(double, x)
		}
		small, big := scoreOf(fs, pkgs(5, 800)), scoreOf(double, pkgs(10, 800))
		if math.Abs(*small.Score-*big.Score) > 2 {
			t.Fatalf("trial %d: same density scored %v in 4,000 lines and %v in 8,000", trial, *small.Score, *big.Score)
		}
	}
	one := []Finding{f(DimCorrectness, "printf", SevError)}
	if s, b := scoreOf(one, pkgs(2, 1000)), scoreOf(one, pkgs(20, 1000)); *b.Score <= *s.Score {
		t.Fatalf("one error: %v in 2,000 lines, %v in 20,000", *s.Score, *b.Score)
	}
	// Below MinSizeLines a module is judged as if it had that many lines.
	if a, b := scoreOf(one, pkgs(1, 50)), scoreOf(one, pkgs(1, MinSizeLines)); *a.Score != *b.Score {
		t.Fatalf("tiny module %v, %d lines %v", *a.Score, MinSizeLines, *b.Score)
	}
}

// TestScoreCoverage: a package a check could not measure is not scored as
// clean; a dimension measured on no package is not measured (never 100);
// the report carries how much of the module was measured.
func TestScoreCoverage(t *testing.T) {
	p := pkgs(4, 1000)
	r := &Report{Packages: p, Checks: []Check{
		{ID: "errors", Status: StatusPass, Measures: []string{DimErrors}, Coverage: &Coverage{NotMeasured: []NotMeasured{{Package: p[0].Path, Reason: "does not type-check"}}}},
		{ID: "race", Status: StatusPass, Measures: []string{DimConcurrency}, Coverage: &Coverage{NotMeasured: []NotMeasured{
			{Package: p[0].Path, Reason: "no tests"}, {Package: p[1].Path, Reason: "no tests"}, {Package: p[2].Path, Reason: "no tests"}, {Package: p[3].Path, Reason: "no tests"}}}},
		{ID: "fmt", Status: StatusPass, Measures: []string{DimStyle}},
	}}
	Score(r, nil)
	e := r.Dimension(DimErrors)
	if e.Coverage == nil || e.Coverage.Measured != 3 || e.Coverage.Selected != 4 || !strings.Contains(e.Summary, "measured on 3 of 4 packages") {
		t.Fatalf("errors = %+v", e)
	}
	if len(e.Coverage.NotMeasured) != 1 || !strings.Contains(e.Coverage.NotMeasured[0].Reason, "does not type-check") {
		t.Fatalf("errors not measured = %+v", e.Coverage.NotMeasured)
	}
	c := r.Dimension(DimConcurrency)
	if c.Score != nil || !strings.Contains(c.Summary, "not measured") || !strings.Contains(c.Summary, "0 of 4") {
		t.Fatalf("concurrency measured on no package = %+v, want not measured", c)
	}
	// errors: 3/4 of the code, weight 15; style: all, weight 5; concurrency: none, weight 15.
	want := math.Round((15*0.75+5*1)/(15+5+15)*1000) / 1000
	if r.Coverage == nil || *r.Coverage != want {
		t.Fatalf("coverage = %v, want %v", r.Coverage, want)
	}
	if *r.Score != 100 {
		t.Fatalf("score %v: no findings among what was measured", *r.Score)
	}
	// A check that did not run measures nothing.
	r2 := &Report{Packages: p, Checks: []Check{{ID: "vet", Status: StatusError, Measures: []string{DimCorrectness}, Summary: "go vet failed"}}}
	Score(r2, nil)
	if d := r2.Dimension(DimCorrectness); d.Score != nil || r2.Score != nil || *r2.Coverage != 0 {
		t.Fatalf("errored check: %+v score %v coverage %v", d, r2.Score, r2.Coverage)
	}
}

// TestScoreBlockers: a package that does not build makes the grade F; a
// failing test, a panic, a timeout or a data race caps it at C; the report
// names the blockers, build blockers first.
func TestScoreBlockers(t *testing.T) {
	base := func(extra ...Finding) *Report {
		r := &Report{Packages: pkgs(10, 2000), Checks: []Check{
			{ID: "vet", Status: StatusFail, Measures: []string{DimCorrectness}},
			{ID: "race", Status: StatusFail, Measures: []string{DimConcurrency, DimCorrectness}, Findings: extra},
		}}
		Score(r, nil)
		return r
	}
	if r := base(); r.Grade != "A+" || len(r.Blockers) != 0 {
		t.Fatalf("clean: %s %+v", r.Grade, r.Blockers)
	}
	for _, rule := range []string{RuleTestFailed, RulePanic, RuleTimeout, RuleDataRace} {
		r := base(Finding{Check: "race", Rule: rule, Dimension: DimConcurrency, Severity: SevError, File: "a/a_test.go", Line: 3})
		if Grade(*r.Score) != r.Grade || !strings.Contains("CDEF", r.Grade) || *r.Score > TestBlockerMaxScore {
			t.Errorf("%s: grade %s score %v, want at most C", rule, r.Grade, *r.Score)
		}
		if len(r.Blockers) != 1 || r.Blockers[0].Kind != BlockerTest || r.Blockers[0].Cap != "C" || r.Blockers[0].Rule != rule {
			t.Errorf("%s: blockers %+v", rule, r.Blockers)
		}
	}
	for _, rule := range []string{RuleTypecheck, RuleBuildFailed} {
		r := base(Finding{Check: "race", Rule: RuleDataRace, Dimension: DimConcurrency, Severity: SevError},
			Finding{Check: "vet", Rule: rule, Dimension: DimCorrectness, Severity: SevError, File: "b/b.go"})
		if r.Grade != "F" || *r.Score > BuildBlockerMaxScore {
			t.Errorf("%s: grade %s score %v, want F", rule, r.Grade, *r.Score)
		}
		if len(r.Blockers) != 2 || r.Blockers[0].Kind != BlockerBuild || r.Blockers[0].Cap != "F" {
			t.Errorf("%s: blockers %+v, want the build blocker first", rule, r.Blockers)
		}
	}
	// A warning of a blocker rule (typecheck/dependency is another rule) does not block.
	if r := base(Finding{Rule: RuleTestFailed, Severity: SevWarning, Dimension: DimCorrectness}); len(r.Blockers) != 0 {
		t.Errorf("a warning blocked: %+v", r.Blockers)
	}
}

// TestScoreSameClaimOnce: a package that does not type-check is reported by
// vet, errors and logging; it costs once.
func TestScoreSameClaimOnce(t *testing.T) {
	tc := func(check string) Finding {
		return Finding{Check: check, Rule: RuleTypecheck, Dimension: DimCorrectness, Severity: SevError, File: "a/a.go", Line: 2, Message: "type error in a: x"}
	}
	one := &Report{Packages: pkgs(1, 2000), Checks: []Check{{ID: "vet", Status: StatusFail, Measures: []string{DimCorrectness}, Findings: []Finding{tc("vet")}}}}
	three := &Report{Packages: pkgs(1, 2000), Checks: []Check{
		{ID: "vet", Status: StatusFail, Measures: []string{DimCorrectness}, Findings: []Finding{tc("vet")}},
		{ID: "errors", Status: StatusFail, Measures: []string{DimErrors}, Findings: []Finding{tc("errors")}},
	}}
	Score(one, nil)
	Score(three, nil)
	if *one.Dimension(DimCorrectness).Score != *three.Dimension(DimCorrectness).Score || len(three.Blockers) != 1 {
		t.Fatalf("same claim twice: %v vs %v, blockers %+v", *one.Dimension(DimCorrectness).Score, *three.Dimension(DimCorrectness).Score, three.Blockers)
	}
}

// TestScoreLabsDoNotMoveIt: labs have their own totals and never change the
// module's score, grade or dimensions.
func TestScoreLabsDoNotMoveIt(t *testing.T) {
	mk := func(ls ...Lab) *Report {
		r := &Report{Packages: pkgs(2, 1000), Labs: ls, Checks: []Check{{ID: "vet", Status: StatusFail, Measures: []string{DimCorrectness},
			Findings: []Finding{f(DimCorrectness, "printf", SevError)}}}}
		Score(r, nil)
		return r
	}
	without := mk()
	pass := mk(Lab{ID: "wasm", Dimension: LabWasm, Steps: []Step{{Status: StatusPass}, {Status: StatusPass}}})
	fail := mk(Lab{ID: "ebpf", Dimension: LabEBPF, Steps: []Step{{Status: StatusFail}, {Status: StatusSkipped}}})
	for _, r := range []*Report{pass, fail} {
		if *r.Score != *without.Score || r.Grade != without.Grade || len(r.Dimensions) != len(without.Dimensions) {
			t.Fatalf("labs moved the score: %v %s vs %v %s", *r.Score, r.Grade, *without.Score, without.Grade)
		}
	}
	if lt := fail.LabTotals; lt == nil || lt.Labs != 1 || lt.Failed != 1 || lt.Skipped != 1 || lt.Passed != 0 || without.LabTotals != nil {
		t.Fatalf("lab totals %+v / %+v", fail.LabTotals, without.LabTotals)
	}
}

// TestScoreTestCodeWeighsLess: the same finding in a _test.go file costs
// TestCodeFactor of what it costs in production code.
func TestScoreTestCodeWeighsLess(t *testing.T) {
	prod := Finding{Check: "c", Rule: "errcheck", Dimension: DimErrors, Severity: SevError, File: "a/a.go"}
	test := prod
	test.File = "a/a_test.go"
	rp := &Report{Packages: pkgs(1, 1000), Checks: []Check{{ID: "c", Status: StatusFail, Measures: []string{DimErrors}, Findings: []Finding{prod}}}}
	rt := &Report{Packages: pkgs(1, 1000), Checks: []Check{{ID: "c", Status: StatusFail, Measures: []string{DimErrors}, Findings: []Finding{test}}}}
	Score(rp, nil)
	Score(rt, nil)
	if *rt.Score <= *rp.Score || *rt.Score != round1(DensityScore(PointsError*TestCodeFactor, 1000)) {
		t.Fatalf("test code %v, production %v", *rt.Score, *rp.Score)
	}
}

func TestScoreNothingMeasured(t *testing.T) {
	r := &Report{}
	Score(r, nil)
	if r.Score != nil || r.Grade != "-" {
		t.Fatalf("empty report scored %v %s", r.Score, r.Grade)
	}
}

func TestScoreWeightsScalePoints(t *testing.T) {
	hot := func(w float64) Finding {
		f := f(DimMemory, "hot-heap-escape", SevWarning)
		f.Weight = w
		f.Line = int(w * 100)
		return f
	}
	r := &Report{Checks: []Check{{ID: "escape", Status: StatusPass, Measures: []string{DimMemory}, Findings: []Finding{
		hot(0.1), hot(0.5), hot(0), // 0 means full weight
	}}}}
	Score(r, nil)
	want := DensityScore(PointsWarning*(0.1+0.5+1), 0)
	if d := r.Dimension(DimMemory); d.Score == nil || *d.Score != round1(want) {
		t.Fatalf("memory = %v, want %v", *d.Score, round1(want))
	}
}
