package checks

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/gocap/gocap/checks/internal/profiles"
	"github.com/gocap/gocap/reports"
)

// HotThreshold is the share of a profile's total (a function's cumulative
// value) above which a module function is always listed in a ProfileTop.
const HotThreshold = 0.01

// JoinHotEscapes marks as hot the escapes that allocate on every op of a
// benchmark, records their heat and raises their findings from info to
// warning (rule "hot-" + rule). The evidence is each benchmark's own
// allocation profile (Benchmark.AllocLines): an escape is hot when its line
// allocates at least HotPerOp times per op (on at least MinAllocSamples
// samples) under some benchmark — see HotPerOp for why that figure holds
// still between runs. CPU time is not the test: a function can be hot while
// the escape in it never allocates (a zero-size value, an append into a
// pooled buffer that rarely grows, an error branch). Its heat is the line's
// largest share of a benchmark's allocated objects. Leaking parameters
// allocate nothing by themselves and are never hot, nor are values that
// escape only as panic arguments. A returned escape (Escape.Returned: the
// compiler's flow ends at a result of the function) on a hot line is not hot
// either: it keeps its heat, its finding stays info with rule
// ReturnedEscapeRule and a hint to change the API, and it is left out of the
// memory headline. A hot line whose allocation the escape findings now
// explain loses its pprof hot-alloc (or returned-alloc) finding: one finding
// per line. Call it after every check ran.
func JoinHotEscapes(r *reports.Report) {
	type key struct {
		file string
		line int
	}
	hot := map[key]*hotLine{}
	for _, h := range HotLines(r.Benchmarks) {
		hot[key{h.File, h.Line}] = h
	}
	type mark struct {
		e     *reports.Escape
		h     *hotLine
		perOp float64 // the escape's own allocations per op
	}
	var marked []mark // hot or returned from a hot line
	for i := range r.Escapes {
		e := &r.Escapes[i]
		if e.Code == "leak" || panicOnly(e.Flow) {
			continue
		}
		h := hot[key{e.File, e.Line}]
		if h == nil {
			continue
		}
		perOp, ok := allocatesAs(e, h)
		if !ok {
			continue
		}
		e.Hot = !e.Returned
		e.Heat = h.Share
		if h.PerOp > 0 && perOp < h.PerOp {
			e.Heat = math.Round(h.Share*perOp/h.PerOp*1000) / 1000
		}
		marked = append(marked, mark{e, h, perOp})
	}
	// Escapes of one kind on one line (five strings boxed for one Fprintf)
	// share what the profile saw of that kind: which of them allocated it
	// does not show (an empty string boxes for free), so their note says
	// the figure is the line's, for all of them.
	type kindKey struct {
		key
		kind string
	}
	sameKind := map[kindKey]int{}
	kindOf := func(m mark) kindKey {
		return kindKey{key{m.e.File, m.e.Line}, strings.Join(ownAllocators(m.e), ",")}
	}
	for _, m := range marked {
		sameKind[kindOf(m)]++
	}
	note := func(m mark) string {
		if n := sameKind[kindOf(m)]; n > 1 {
			return fmt.Sprintf("%d values of this kind on the line together allocate %s per op in %s", n, num(m.perOp), benchList(m.h.Benches))
		}
		return hotNoteAt(m.h, m.perOp)
	}
	joined := map[key]bool{}
	if c := r.Check("escape"); c != nil {
		for i := range c.Findings {
			f := &c.Findings[i]
			if f.Rule == "leak-param" {
				continue
			}
			for _, m := range marked {
				e := m.e
				if e.File != f.File || e.Line != f.Line || e.Col != f.Col || !strings.HasPrefix(f.Message, e.Message) {
					continue
				}
				joined[key{e.File, e.Line}] = true
				if e.Returned {
					f.Rule = ReturnedEscapeRule
					f.Hint = returnedHint
					f.Message = fmt.Sprintf("%s (returned; %s)", f.Message, note(m))
				} else {
					f.Severity = reports.SevWarning
					f.Weight = HeatWeight(e.Heat)
					f.Rule = "hot-" + strings.TrimPrefix(f.Rule, "hot-")
					f.Message = fmt.Sprintf("%s (hot: %s)", f.Message, note(m))
				}
				f.Detail = strings.TrimSpace(f.Detail + "\nbenchmarks reaching this line: " + strings.Join(m.h.Benches, ", "))
				break
			}
		}
	}
	if c := r.Check("pprof"); c != nil && len(joined) > 0 {
		keep := c.Findings[:0]
		for _, f := range c.Findings {
			if (f.Rule == "hot-alloc" || f.Rule == ReturnedAllocRule) && joined[key{f.File, f.Line}] {
				continue
			}
			keep = append(keep, f)
		}
		c.Findings = keep
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

// allocatesAs reports whether the hot line's allocations can be the
// escape's own, and how many per op are. Several escapes share a line, and
// a profile knows lines, not columns; it knows whether the line allocated
// itself or in what it called, though (AllocLine.Via), and when the line
// allocated itself, which runtime function did (profiles.Callees: convT64,
// growslice, concatstring2 …). An escape in the line's own code (&T{},
// make, append, a literal, a conversion, a value boxed into an interface)
// allocates on the line itself: it is hot only when the line allocated
// itself, not only in a callee, and when the kind of allocation its message
// names is known (profiles.Allocators), only with the allocations of that
// kind, at least the line's threshold (HotPerOp, TinyHotPerOp for tiny
// objects) of them per op. That drops boxed values that
// never allocate — a small integer (the runtime keeps 0–255 boxed), a
// constant (contextKey(0) is static data), a zero-size value — on a line
// whose allocation is context.WithValue's, fmt.Sprintf's or a concatenation
// beside it, and an append that the compiler keeps in a stack buffer (Go
// 1.26 moves it to the heap where the slice is handed off) on a line whose
// allocations are a string's. An escape in code inlined into the line
// allocates in that code: hot when the line allocated through a callee or
// inlined function.
func allocatesAs(e *reports.Escape, h *hotLine) (float64, bool) {
	if len(h.Via) == 0 {
		return h.PerOp, true
	}
	if e.Inlined != "" {
		for v := range h.Via {
			if !profiles.IsAllocator(v) {
				return h.PerOp, true
			}
		}
		return 0, false
	}
	self, resolved := false, true
	for v := range h.Via {
		if profiles.IsAllocator(v) {
			self = true
			resolved = resolved && v != profiles.Self
		}
	}
	if !self {
		return 0, false
	}
	own := ownAllocators(e)
	if own == nil || !resolved {
		return h.PerOp, true
	}
	perOp := 0.0
	for _, f := range own {
		perOp += h.ViaPerOp[f]
	}
	perOp = math.Round(perOp*1000) / 1000
	return perOp, perOp >= max(h.Threshold, TinyHotPerOp)
}

// ownAllocators are the runtime functions that make e's allocation: the
// one its source names (Escape.Allocator), else what its message tells
// (nil when it does not).
func ownAllocators(e *reports.Escape) []string {
	if e.Allocator != "" {
		return []string{e.Allocator}
	}
	return profiles.Allocators(e.Message)
}

// FullHeat is the share of a benchmark's allocations at which a hot escape
// costs a full warning's points; below it the cost scales with the share
// (weighted by heat).
const FullHeat = 0.10

// HeatWeight is the weight of a hot escape's finding: its heat (its line's
// share of the objects a benchmark allocates) over FullHeat, at most 1. An
// escape making 1% of a benchmark's allocations costs a tenth of one making
// ≥ 10%.
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
		if len(r.Profiles) > 0 || len(r.Benchmarks) > 0 {
			d.Summary = "no escape in a profiled hot path; " + d.Summary
		}
		return
	}
	e := hot[0] // Escapes are sorted by heat
	d.Summary = fmt.Sprintf("%d hot escapes, hottest %s:%d %s (%.0f%%); %s",
		len(hot), e.File, e.Line, shortFunc(e.Function), e.Heat*100, d.Summary)
}
