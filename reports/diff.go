package reports

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"golang.org/x/perf/benchmath"
)

// DiffOptions are the thresholds of a report diff, in percent; zero means
// no gate on that metric.
type DiffOptions struct {
	MaxTimeIncrease  float64 // ns/op
	MaxBytesIncrease float64 // B/op
	MaxAllocIncrease float64 // allocs/op
	// Alpha is the significance level (default 0.05, as benchstat).
	Alpha float64
	// TopFuncs caps the profile functions listed (default 10).
	TopFuncs int
}

// Metrics compared by a diff.
const (
	MetricTime   = "ns/op"
	MetricBytes  = "B/op"
	MetricAllocs = "allocs/op"
)

// BenchDelta compares one metric of one benchmark between two reports.
type BenchDelta struct {
	Package string  `json:"package"`
	Name    string  `json:"name"`
	Metric  string  `json:"metric"`
	Old     float64 `json:"old"` // median
	New     float64 `json:"new"` // median
	// DeltaPct is (new/old − 1)·100; NaN-free: 0 when both are 0.
	DeltaPct float64 `json:"delta_pct"`
	P        float64 `json:"p"`
	N1       int     `json:"n_old"`
	N2       int     `json:"n_new"`
	// Significant: the Mann–Whitney U test rejects "same distribution" at alpha.
	Significant bool `json:"significant"`
	// Note carries benchmath's warnings (too few samples...).
	Note string `json:"note,omitempty"`
	// Over: significant and beyond the metric's threshold.
	Over bool `json:"over"`
}

// FuncShift is a function whose share of a profile kind changed.
type FuncShift struct {
	Kind     string  `json:"kind"`
	Func     string  `json:"func"`
	OldShare float64 `json:"old_share"` // flat share, 0..1
	NewShare float64 `json:"new_share"`
}

// DiffResult is the comparison of two reports.
type DiffResult struct {
	Old, New      string        `json:"-"`
	OldScore      *float64      `json:"old_score"`
	NewScore      *float64      `json:"new_score"`
	Benchmarks    []BenchDelta  `json:"benchmarks"`
	OnlyOld       []string      `json:"only_old,omitempty"` // benchmarks gone
	OnlyNew       []string      `json:"only_new,omitempty"` // benchmarks added
	Grown         []FuncShift   `json:"grown,omitempty"`
	NewFindings   []Finding     `json:"new_findings"`
	FixedFindings []Finding     `json:"fixed_findings"`
	Options       DiffOptions   `json:"options"`
	Failures      []string      `json:"failures,omitempty"`
	Baseline      *BaselineInfo `json:"-"`
}

// Diff compares benchmarks (with benchmath's Mann–Whitney U test over the
// samples of repeated runs, as benchstat does), the profile share of
// functions, and findings (by fingerprint) between old and new. Failures
// lists every metric that grew significantly beyond its threshold.
func Diff(oldName string, old *Report, newName string, cur *Report, o DiffOptions) *DiffResult {
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if o.TopFuncs == 0 {
		o.TopFuncs = 10
	}
	d := &DiffResult{Old: oldName, New: newName, OldScore: old.Score, NewScore: cur.Score, Options: o,
		NewFindings: []Finding{}, FixedFindings: []Finding{}, Benchmarks: []BenchDelta{}}
	th := benchmath.DefaultThresholds
	th.CompareAlpha = o.Alpha
	oldB := map[string]Benchmark{}
	for _, b := range old.Benchmarks {
		oldB[b.Package+"."+b.Name] = b
	}
	seen := map[string]bool{}
	for _, nb := range cur.Benchmarks {
		k := nb.Package + "." + nb.Name
		ob, ok := oldB[k]
		if !ok {
			d.OnlyNew = append(d.OnlyNew, k)
			continue
		}
		seen[k] = true
		for _, m := range []struct {
			name  string
			get   func(BenchRun) float64
			limit float64
		}{
			{MetricTime, func(r BenchRun) float64 { return r.NsPerOp }, o.MaxTimeIncrease},
			{MetricBytes, func(r BenchRun) float64 { return r.BytesPerOp }, o.MaxBytesIncrease},
			{MetricAllocs, func(r BenchRun) float64 { return r.AllocsPerOp }, o.MaxAllocIncrease},
		} {
			s1 := benchmath.NewSample(values(ob, m.get), &th)
			s2 := benchmath.NewSample(values(nb, m.get), &th)
			c := benchmath.AssumeNothing.Compare(s1, s2)
			sum1 := benchmath.AssumeNothing.Summary(s1, 0.95)
			sum2 := benchmath.AssumeNothing.Summary(s2, 0.95)
			bd := BenchDelta{Package: nb.Package, Name: nb.Name, Metric: m.name, Old: sum1.Center, New: sum2.Center,
				P: c.P, N1: c.N1, N2: c.N2, Significant: c.P <= c.Alpha}
			switch {
			case sum1.Center == sum2.Center:
			case sum1.Center == 0:
				bd.DeltaPct = math.Inf(1)
			default:
				bd.DeltaPct = (sum2.Center/sum1.Center - 1) * 100
			}
			if math.IsInf(bd.DeltaPct, 1) {
				bd.DeltaPct = 1e9 // JSON has no infinity: "grew from zero"
			}
			var notes []string
			for _, w := range c.Warnings {
				notes = append(notes, w.Error())
			}
			bd.Note = strings.Join(notes, "; ")
			if bd.Significant && m.limit > 0 && bd.DeltaPct > m.limit {
				bd.Over = true
				d.Failures = append(d.Failures, fmt.Sprintf("%s %s grew %s (limit +%g%%, p=%.3f)", k, m.name, fmtPct(bd.DeltaPct), m.limit, bd.P))
			}
			d.Benchmarks = append(d.Benchmarks, bd)
		}
	}
	for _, ob := range old.Benchmarks {
		if k := ob.Package + "." + ob.Name; !seen[k] {
			d.OnlyOld = append(d.OnlyOld, k)
		}
	}
	d.Grown = grownFuncs(old.Profiles, cur.Profiles, o.TopFuncs)
	// Findings: fingerprint comparison on copies, so the inputs stay as read.
	cp := *cur
	cp.Checks = make([]Check, len(cur.Checks))
	for i, c := range cur.Checks {
		c.Findings = append([]Finding(nil), c.Findings...)
		cp.Checks[i] = c
	}
	CompareBaseline(&cp, old, oldName)
	d.Baseline = cp.Baseline
	d.NewFindings = append(d.NewFindings, cp.NewFindings()...)
	d.FixedFindings = append(d.FixedFindings, cp.Baseline.Fixed...)
	return d
}

func fmtPct(p float64) string {
	if p >= 1e9 {
		return "from zero"
	}
	return fmt.Sprintf("%+.1f%%", p)
}

// values returns a benchmark's per-run values, or its one summary value
// when it carries no samples.
func values(b Benchmark, get func(BenchRun) float64) []float64 {
	if len(b.Samples) == 0 {
		return []float64{get(BenchRun{NsPerOp: b.NsPerOp, BytesPerOp: b.BytesPerOp, AllocsPerOp: b.AllocsPerOp})}
	}
	out := make([]float64, len(b.Samples))
	for i, s := range b.Samples {
		out[i] = get(s)
	}
	return out
}

// shares sums each function's flat value per profile kind over packages and
// divides by the kind's total.
func shares(ps []ProfileTop) map[string]map[string]float64 {
	tot := map[string]int64{}
	flat := map[string]map[string]int64{}
	for _, p := range ps {
		tot[p.Kind] += p.Total
		m := flat[p.Kind]
		if m == nil {
			m = map[string]int64{}
			flat[p.Kind] = m
		}
		for _, f := range p.Top {
			m[f.Func] += f.Flat
		}
	}
	out := map[string]map[string]float64{}
	for k, m := range flat {
		out[k] = map[string]float64{}
		if tot[k] <= 0 {
			continue
		}
		for f, v := range m {
			out[k][f] = float64(v) / float64(tot[k])
		}
	}
	return out
}

// grownFuncs lists functions whose flat share of a profile kind grew by at
// least half a percentage point, largest growth first.
func grownFuncs(old, cur []ProfileTop, top int) []FuncShift {
	so, sn := shares(old), shares(cur)
	var out []FuncShift
	for kind, m := range sn {
		for fn, v := range m {
			if o := so[kind][fn]; v-o >= 0.005 {
				out = append(out, FuncShift{Kind: kind, Func: fn, OldShare: o, NewShare: v})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		gi, gj := out[i].NewShare-out[i].OldShare, out[j].NewShare-out[j].OldShare
		if gi != gj {
			return gi > gj
		}
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Func < out[j].Func
	})
	if len(out) > top {
		out = out[:top]
	}
	return out
}
