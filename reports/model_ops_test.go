package reports

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	f := Finding{Check: "vet", Rule: "printf", File: "a/a.go", Line: 10, Function: "F", Message: "call has 2 args at 0xc000123 (line 10)"}
	moved := f
	moved.Line, moved.Col = 42, 7
	moved.Message = "call has 3 args at 0xc000999 (line 42)"
	if Fingerprint(f) != Fingerprint(moved) {
		t.Error("moving a finding or changing numbers/addresses in its message changed the fingerprint")
	}
	for name, g := range map[string]Finding{
		"renamed file": {Check: "vet", Rule: "printf", File: "a/b.go", Function: "F", Message: f.Message},
		"other func":   {Check: "vet", Rule: "printf", File: "a/a.go", Function: "G", Message: f.Message},
		"other rule":   {Check: "vet", Rule: "copylocks", File: "a/a.go", Function: "F", Message: f.Message},
		"other words":  {Check: "vet", Rule: "printf", File: "a/a.go", Function: "F", Message: "call has 2 args too few"},
	} {
		if Fingerprint(g) == Fingerprint(f) {
			t.Errorf("%s: same fingerprint", name)
		}
	}
	if got := NormalizeMessage("x  escapes\tat 0xAB12 after 3.5 ms\nsecond line"); got != "x escapes at ADDR after N ms" {
		t.Errorf("NormalizeMessage = %q", got)
	}
}

func TestCompareBaselineMultiplicity(t *testing.T) {
	mk := func(lines ...int) *Report {
		r := &Report{Checks: []Check{{ID: "vet", Status: StatusFail}}}
		for _, l := range lines {
			r.Checks[0].Findings = append(r.Checks[0].Findings, Finding{Check: "vet", Rule: "r", File: "f.go", Line: l, Function: "F", Message: "same", Severity: SevError})
		}
		return r
	}
	cur, base := mk(1, 2, 3), mk(5, 6)
	CompareBaseline(cur, base, "b.json")
	if cur.Baseline.New != 1 || cur.Baseline.Unchanged != 2 || len(cur.Baseline.Fixed) != 0 {
		t.Errorf("3 identical findings against 2: %+v", cur.Baseline)
	}
	cur, base = mk(1), mk(5, 6)
	CompareBaseline(cur, base, "b.json")
	if cur.Baseline.New != 0 || cur.Baseline.Unchanged != 1 || len(cur.Baseline.Fixed) != 1 {
		t.Errorf("1 against 2: %+v", cur.Baseline)
	}
	// A check that did not run this time fixes nothing.
	cur, base = mk(), mk(5)
	cur.Checks[0].Status = StatusSkipped
	CompareBaseline(cur, base, "b.json")
	if len(cur.Baseline.Fixed) != 0 {
		t.Errorf("skipped check reported fixes: %+v", cur.Baseline.Fixed)
	}
}

func shard(module, shard string, checks ...Check) *Report {
	r := &Report{SchemaVersion: SchemaVersion, Tool: Tool{Name: "gocap"}, Module: module, Shard: shard, Checks: checks}
	Score(r, map[string]float64{"style": 7})
	return r
}

func TestMerge(t *testing.T) {
	f := func(file string, sev Severity) Finding {
		return Finding{Check: "fmt", Rule: "gofmt", Dimension: "style", Severity: sev, File: file, Line: 1, Message: "m"}
	}
	tidy := Finding{Check: "tidy", Rule: "unused-requirement", Dimension: "dependencies", Severity: SevError, File: "go.mod", Line: 5, Message: "removes x"}
	a := shard("m", "1/2",
		Check{ID: "fmt", Status: StatusFail, Measures: []string{"style"}, Findings: []Finding{f("a.go", SevError)}},
		Check{ID: "tidy", Status: StatusFail, Measures: []string{"dependencies"}, Findings: []Finding{tidy}},
		Check{ID: "race", Status: StatusSkipped, Summary: "no tests in shard"})
	a.Benchmarks = []Benchmark{{Package: "p", Name: "B", Runs: 1, NsPerOp: 10, Samples: []BenchRun{{NsPerOp: 10}}}}
	a.Races = []Race{{Package: "p", Count: 1, Accesses: []Access{{Kind: "write", Location: &Frame{File: "a.go", Line: 3}}}}}
	b := shard("m", "2/2",
		Check{ID: "fmt", Status: StatusPass, Measures: []string{"style"}, Findings: []Finding{f("b.go", SevWarning)}},
		Check{ID: "tidy", Status: StatusFail, Measures: []string{"dependencies"}, Findings: []Finding{tidy}},
		Check{ID: "race", Status: StatusPass, Measures: []string{"concurrency"}, Summary: "no races"})
	b.Benchmarks = []Benchmark{{Package: "p", Name: "B", Runs: 1, NsPerOp: 20, Samples: []BenchRun{{NsPerOp: 20}}}}
	b.Races = []Race{{Package: "p", Count: 2, Accesses: []Access{{Kind: "write", Location: &Frame{File: "a.go", Line: 3}}}}}
	m, err := Merge([]string{"a", "b"}, []*Report{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Check("fmt").Findings); n != 2 {
		t.Errorf("fmt findings %d, want the union 2", n)
	}
	if n := len(m.Check("tidy").Findings); n != 1 {
		t.Errorf("tidy findings %d, want 1 (same finding in both shards)", n)
	}
	if m.Check("fmt").Status != StatusFail || m.Check("race").Status != StatusPass {
		t.Errorf("statuses fmt %s race %s", m.Check("fmt").Status, m.Check("race").Status)
	}
	if len(m.Races) != 1 || m.Races[0].Count != 3 {
		t.Errorf("races %+v", m.Races)
	}
	if len(m.Benchmarks) != 1 || m.Benchmarks[0].Runs != 2 || len(m.Benchmarks[0].Samples) != 2 || m.Benchmarks[0].NsPerOp != 15 {
		t.Errorf("benchmarks %+v", m.Benchmarks)
	}
	if d := m.Dimension("style"); d == nil || d.Weight != 7 || d.Score == nil || *d.Score != round1(DensityScore(PointsError+PointsWarning, 0)) {
		t.Errorf("style re-scored with the shards' weight: %+v", d)
	}
	if d := m.Dimension("concurrency"); d == nil || d.Score == nil {
		t.Errorf("concurrency measured by shard 2 must be measured after the merge: %+v", d)
	}
	// Shards compared with one baseline: fixed only if every shard says so.
	old := &Report{Checks: []Check{{ID: "fmt", Findings: []Finding{f("a.go", SevError), f("gone.go", SevError), f("b.go", SevWarning)}}}}
	CompareBaseline(a, old, "base.json")
	CompareBaseline(b, old, "base.json")
	m, err = Merge([]string{"a", "b"}, []*Report{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if bl := m.Baseline; bl == nil || len(bl.Fixed) != 1 || bl.Fixed[0].File != "gone.go" || bl.Unchanged != 2 || bl.New != 1 {
		t.Errorf("merged baseline %+v", bl)
	}
	_, err = Merge([]string{"a", "c"}, []*Report{a, shard("other", "")})
	if !errors.Is(err, ErrModuleMismatch) || !strings.Contains(err.Error(), `c is of module "other"`) {
		t.Errorf("different modules: %v", err)
	}
}

func bench(name string, ns, allocs []float64) Benchmark {
	b := Benchmark{Package: "p", Name: name, Runs: len(ns)}
	for i := range ns {
		b.Samples = append(b.Samples, BenchRun{NsPerOp: ns[i], AllocsPerOp: allocs[i], BytesPerOp: allocs[i] * 16})
	}
	return b
}

func TestDiff(t *testing.T) {
	old := &Report{Module: "m", Benchmarks: []Benchmark{
		bench("BenchmarkSlow", []float64{100, 101, 99, 100, 102, 98, 100, 101, 99, 100}, []float64{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}),
		bench("BenchmarkNoisy", []float64{100, 140, 80, 120, 90}, []float64{1, 1, 1, 1, 1}),
		bench("BenchmarkOnce", []float64{100}, []float64{1}),
		bench("BenchmarkGone", []float64{1}, []float64{0}),
	}, Profiles: []ProfileTop{{Kind: "cpu", Total: 100, Top: []ProfileFunc{{Func: "p.A", Flat: 50}, {Func: "p.B", Flat: 10}}}}}
	cur := &Report{Module: "m", Benchmarks: []Benchmark{
		bench("BenchmarkSlow", []float64{110, 111, 109, 110, 112, 108, 110, 111, 109, 110}, []float64{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}),
		bench("BenchmarkNoisy", []float64{130, 90, 150, 85, 110}, []float64{1, 1, 1, 1, 1}),
		bench("BenchmarkOnce", []float64{200}, []float64{5}),
		bench("BenchmarkNew", []float64{1}, []float64{0}),
	}, Profiles: []ProfileTop{{Kind: "cpu", Total: 100, Top: []ProfileFunc{{Func: "p.A", Flat: 40}, {Func: "p.B", Flat: 30}}}}}
	d := Diff("old", old, "new", cur, DiffOptions{MaxTimeIncrease: 5, MaxAllocIncrease: 2})
	get := func(name, metric string) BenchDelta {
		for _, b := range d.Benchmarks {
			if b.Name == name && b.Metric == metric {
				return b
			}
		}
		t.Fatalf("no %s %s", name, metric)
		return BenchDelta{}
	}
	if b := get("BenchmarkSlow", MetricTime); !b.Significant || !b.Over || math.Abs(b.DeltaPct-10) > 0.01 || b.P > 0.05 {
		t.Errorf("+10%% ns/op over 10 runs must be significant and over 5%%: %+v", b)
	}
	if b := get("BenchmarkSlow", MetricAllocs); !b.Significant || !b.Over || math.Abs(b.DeltaPct-50) > 0.01 {
		t.Errorf("2 → 3 allocs/op: %+v", b)
	}
	if b := get("BenchmarkSlow", MetricBytes); b.Over {
		t.Errorf("no bytes threshold set, but B/op is over: %+v", b)
	}
	if b := get("BenchmarkNoisy", MetricTime); b.Significant || b.Over {
		t.Errorf("overlapping noisy samples must not be significant: %+v", b)
	}
	if b := get("BenchmarkOnce", MetricTime); b.Significant || b.Over || !strings.Contains(b.Note, "need") {
		t.Errorf("one run each cannot be significant, and must say so: %+v", b)
	}
	if len(d.Failures) != 2 {
		t.Errorf("failures %v, want ns/op and allocs/op of BenchmarkSlow", d.Failures)
	}
	if fmt.Sprint(d.OnlyNew) != "[p.BenchmarkNew]" || fmt.Sprint(d.OnlyOld) != "[p.BenchmarkGone]" {
		t.Errorf("only new %v only old %v", d.OnlyNew, d.OnlyOld)
	}
	if len(d.Grown) != 1 || d.Grown[0].Func != "p.B" || d.Grown[0].NewShare != 0.3 {
		t.Errorf("grown %+v, want p.B 10%% → 30%%", d.Grown)
	}
	// No thresholds: nothing fails, however significant.
	if d := Diff("old", old, "new", cur, DiffOptions{}); len(d.Failures) != 0 {
		t.Errorf("no thresholds but failures %v", d.Failures)
	}
}

func TestIcicle(t *testing.T) {
	ic := BuildIcicle([]ProfileStack{
		{Funcs: []string{"main", "a", "b"}, Value: 60},
		{Funcs: []string{"main", "a"}, Value: 20},
		{Funcs: []string{"main", "c"}, Value: 20},
		{Funcs: []string{"tiny"}, Value: 0},
	}, 1000, 18)
	if ic == nil || ic.Total != 100 {
		t.Fatalf("icicle %+v", ic)
	}
	w := map[string]IcicleRect{}
	for _, r := range ic.Rects {
		w[r.Func] = r
	}
	if w["main"].W != 1000 || w["a"].W != 800 || w["b"].W != 600 || w["c"].W != 200 || w["c"].X != 800 || w["b"].Y != 36 {
		t.Errorf("layout %+v", w)
	}
	if BuildIcicle(nil, 1000, 18) != nil {
		t.Error("no stacks must give no graph")
	}
}
