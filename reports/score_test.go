package reports

import (
	"testing"
)

func f(dim, rule string, sev Severity) Finding {
	return Finding{Check: "c", Rule: rule, Dimension: dim, Severity: sev}
}

func TestGradeBoundaries(t *testing.T) {
	cases := map[float64]string{100: "A+", 90.1: "A+", 90: "A", 80.5: "A", 80: "B", 70: "C", 60: "D", 50: "E", 40: "F", 0: "F"}
	for s, want := range cases {
		if got := Grade(s); got != want {
			t.Errorf("Grade(%v) = %s, want %s", s, got, want)
		}
	}
}

func TestScoreDeductionsTiedToFindings(t *testing.T) {
	r := &Report{Checks: []Check{
		{ID: "vet", Status: StatusFail, Measures: []string{"correctness", "concurrency"}, Findings: []Finding{
			f("correctness", "printf", SevError), f("correctness", "printf", SevError), f("correctness", "nilness", SevWarning),
		}},
		{ID: "fmt", Status: StatusPass, Measures: []string{"style"}},
		{ID: "race", Status: StatusSkipped, Measures: []string{"concurrency"}, Summary: "no tests"},
		{ID: "pprof", Status: StatusSkipped, Measures: []string{"performance"}, Summary: "no benchmarks"},
	}}
	Score(r, nil)
	corr := r.Dimension("correctness")
	if corr == nil || corr.Score == nil || *corr.Score != 100-2*PointsError-PointsWarning {
		t.Fatalf("correctness = %+v", corr)
	}
	if len(corr.Deductions) != 2 || corr.Deductions[0].Rule != "c/printf" || corr.Deductions[0].Findings != 2 {
		t.Fatalf("deductions = %+v", corr.Deductions)
	}
	// concurrency is measured by vet (pass/fail) even though race was skipped.
	if d := r.Dimension("concurrency"); d == nil || d.Score == nil || *d.Score != 100 {
		t.Fatalf("concurrency = %+v", d)
	}
	perf := r.Dimension("performance")
	if perf == nil || perf.Score != nil || perf.Summary == "" {
		t.Fatalf("performance must be present and not measured: %+v", perf)
	}
	if r.Dimension("ebpf") != nil {
		t.Fatal("a dimension nothing measures must be left out")
	}
	// overall = weighted mean of measured dims only
	want := (20*(*corr.Score) + 15*100 + 5*100) / 40
	if r.Score == nil || *r.Score != round1(want) {
		t.Fatalf("overall = %v, want %v", *r.Score, round1(want))
	}
	if r.Grade != Grade(*r.Score) {
		t.Fatalf("grade %s for %v", r.Grade, *r.Score)
	}
}

func TestScoreRuleCapAndInfoCap(t *testing.T) {
	var fs []Finding
	for i := 0; i < 50; i++ {
		fs = append(fs, f("memory", "escape", SevInfo), f("correctness", "printf", SevError))
	}
	r := &Report{Checks: []Check{{ID: "x", Status: StatusFail, Measures: []string{"memory", "correctness"}, Findings: fs}}}
	Score(r, nil)
	if s := *r.Dimension("memory").Score; s != 100-InfoCap {
		t.Fatalf("memory = %v, want info capped at %v", s, 100-InfoCap)
	}
	if s := *r.Dimension("correctness").Score; s != 100-RuleCap {
		t.Fatalf("correctness = %v, want rule capped at %v", s, 100-RuleCap)
	}
}

func TestScoreLabsAndWeights(t *testing.T) {
	r := &Report{Labs: []Lab{{ID: "wasm", Dimension: "wasm", Steps: []Step{
		{Status: StatusPass}, {Status: StatusPass}, {Status: StatusFail}, {Status: StatusSkipped},
	}}, {ID: "ebpf", Dimension: "ebpf", Steps: []Step{{Status: StatusSkipped}}}}}
	Score(r, map[string]float64{"wasm": 1})
	w := r.Dimension("wasm")
	if w.Score == nil || *w.Score != 66.7 || w.Weight != 1 {
		t.Fatalf("wasm = %+v", w)
	}
	if e := r.Dimension("ebpf"); e.Score != nil {
		t.Fatalf("all-skipped lab must be not measured: %+v", e)
	}
	if *r.Score != 66.7 || r.Grade != "C" {
		t.Fatalf("overall %v %s", *r.Score, r.Grade)
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
		f := f("memory", "hot-heap-escape", SevWarning)
		f.Weight = w
		return f
	}
	r := &Report{Checks: []Check{{ID: "escape", Status: StatusPass, Measures: []string{"memory"}, Findings: []Finding{
		hot(0.1), hot(0.5), hot(0), // 0 means full weight
	}}}}
	Score(r, nil)
	want := 100 - PointsWarning*(0.1+0.5+1)
	if d := r.Dimension("memory"); d.Score == nil || *d.Score != round1(want) {
		t.Fatalf("memory = %v, want %v", *d.Score, round1(want))
	}
}
