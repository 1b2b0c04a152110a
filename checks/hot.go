package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gocap/gocap/reports"
)

// HotThreshold is the share of a profile (flat+cum of the function, in CPU or
// allocation profiles) above which an escape in that function counts as hot.
const HotThreshold = 0.01

// JoinHotEscapes marks as hot the escapes that allocate in profiled hot
// paths, records their heat and raises their findings from info to warning
// (rule "hot-" + rule). An escape is hot when its function is hot (≥
// HotThreshold of a profile, joined by name with type arguments ignored, or
// by file and start line since inlining renames nested closures) and, when
// the profiles list lines, samples pass through its own line: an error branch
// of a hot function that never ran stays info. Its heat is the line's share
// (else the function's). Leaking parameters allocate nothing by themselves
// and are never hot, nor are values that escape only as panic arguments.
// A returned escape (Escape.Returned: the compiler's flow ends at a result
// of the function) in a hot path is not hot either: it keeps its heat, its
// finding stays info with rule ReturnedEscapeRule and a hint to change the
// API, and it is left out of the memory headline. Call it after every
// check ran.
func JoinHotEscapes(r *reports.Report) {
	type key struct {
		file string
		line int
	}
	heat := map[string]float64{}
	heatAt := map[key]float64{} // functions by file and start line
	lineHeat := map[key]float64{}
	haveLines := false
	for _, p := range r.Profiles {
		if p.Total <= 0 {
			continue
		}
		for _, f := range p.Top {
			h := float64(f.Cum) / float64(p.Total)
			k := joinName(f.Func)
			heat[k] = max(heat[k], h)
			if f.StartLine > 0 && f.File != "" {
				kk := key{f.File, f.StartLine}
				heatAt[kk] = max(heatAt[kk], h)
			}
		}
		for _, l := range p.Lines {
			haveLines = true
			k := key{l.File, l.Line}
			lineHeat[k] = max(lineHeat[k], float64(l.Cum)/float64(p.Total))
		}
	}
	var marked []*reports.Escape // hot or returned from a hot path
	for i := range r.Escapes {
		e := &r.Escapes[i]
		if e.Function == "" || e.Code == "leak" || panicOnly(e.Flow) {
			continue
		}
		h := heat[joinName(e.Function)]
		if e.FuncLine > 0 {
			h = max(h, heatAt[key{e.File, e.FuncLine}])
		}
		if h < HotThreshold {
			continue
		}
		if haveLines {
			if h = lineHeat[key{e.File, e.Line}]; h == 0 {
				continue
			}
		}
		e.Hot = !e.Returned
		e.Heat = h
		marked = append(marked, e)
	}
	c := r.Check("escape")
	if c != nil {
		for i := range c.Findings {
			f := &c.Findings[i]
			if f.Rule == "leak-param" {
				continue
			}
			for _, e := range marked {
				if e.File != f.File || e.Line != f.Line || e.Col != f.Col || !strings.HasPrefix(f.Message, e.Message) {
					continue
				}
				if e.Returned {
					f.Rule = ReturnedEscapeRule
					f.Hint = returnedHint
					f.Message = fmt.Sprintf("%s (returned; %.1f%% of a benchmark profile runs this line)", f.Message, e.Heat*100)
				} else {
					f.Severity = reports.SevWarning
					f.Weight = HeatWeight(e.Heat)
					f.Rule = "hot-" + strings.TrimPrefix(f.Rule, "hot-")
					f.Message = fmt.Sprintf("%s (hot: %.1f%% of a benchmark profile runs this line)", f.Message, e.Heat*100)
				}
				break
			}
		}
	}
	// Hot escapes first, hottest first; returned ones from hot paths next.
	sort.SliceStable(r.Escapes, func(i, j int) bool {
		a, b := r.Escapes[i], r.Escapes[j]
		if a.Hot != b.Hot {
			return a.Hot
		}
		return a.Heat > b.Heat
	})
}

// FullHeat is the profile share at which a hot escape costs a full warning's
// points; below it the cost scales with the share (weighted by heat).
const FullHeat = 0.10

// HeatWeight is the weight of a hot escape's finding: its heat (the share of
// a benchmark profile that runs its line) over FullHeat, at most 1. An escape
// on a line with 1% of a profile costs a tenth of one on a line with ≥ 10%.
func HeatWeight(heat float64) float64 {
	if heat <= 0 {
		return 0
	}
	return min(1, heat/FullHeat)
}

// ReturnedEscapeRule is the rule of an info finding for a value that
// allocates in a profiled hot path but escapes only because its function
// returns it: keeping it on the stack needs an API change, not a local fix.
const ReturnedEscapeRule = "returned-escape"

const returnedHint = "the value outlives the call because it is returned; to avoid the allocation, let the caller pass a buffer/destination (append-style API) or return by value"

// panicOnly reports whether an escape's flow ends in a call of panic: the
// value escapes only on the way to a panic, never on a path that returns.
func panicOnly(flow []string) bool {
	for _, l := range flow {
		if strings.HasPrefix(l, "from panic(") {
			return true
		}
	}
	return false
}

// joinName drops type arguments from a function name: pprof prints
// pkg.F[...] and pkg.(*T[...]).M, symbol tables pkg.F[go.shape.int].
func joinName(fn string) string {
	if !strings.Contains(fn, "[") {
		return fn
	}
	var b strings.Builder
	depth := 0
	for _, r := range fn {
		switch {
		case r == '[':
			depth++
		case r == ']':
			if depth > 0 {
				depth--
			}
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MemoryHeadline puts the hot escapes at the head of the memory dimension's
// summary (call it after reports.Score): the escapes that cost allocations in
// profiled hot paths are the ones worth fixing first.
func MemoryHeadline(r *reports.Report) {
	d := r.Dimension("memory")
	if d == nil || d.Score == nil {
		return
	}
	var hot []reports.Escape
	for _, e := range r.Escapes {
		if e.Hot {
			hot = append(hot, e)
		}
	}
	if len(hot) == 0 {
		if len(r.Profiles) > 0 {
			d.Summary = "no escape in a profiled hot path; " + d.Summary
		}
		return
	}
	e := hot[0] // Escapes are sorted by heat
	d.Summary = fmt.Sprintf("%d hot escapes, hottest %s:%d %s (%.0f%%); %s",
		len(hot), e.File, e.Line, shortFunc(e.Function), e.Heat*100, d.Summary)
}
