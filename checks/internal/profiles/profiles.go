// Package profiles summarises pprof profiles (read with
// github.com/google/pprof/profile): flat and cumulative values per function,
// the line carrying most of a function's flat value, the heaviest stacks, and
// the allocation sites under a given function.
package profiles

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
)

// Load reads and validates a profile file.
func Load(path string) (*profile.Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only: a close error cannot lose data
	p, err := profile.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Frame is one frame of a sample, inlined frames expanded.
type Frame struct {
	Func      string
	File      string
	Line      int
	StartLine int
}

// Frames returns the frames of s, leaf first; a location with inlined calls
// yields the innermost function first, as profile.proto orders its lines.
func Frames(s *profile.Sample) []Frame {
	var out []Frame
	for _, loc := range s.Location {
		for _, ln := range loc.Line {
			if ln.Function == nil {
				continue
			}
			out = append(out, Frame{Func: ln.Function.Name, File: ln.Function.Filename, Line: int(ln.Line), StartLine: int(ln.Function.StartLine)})
		}
	}
	return out
}

// Index returns the index of the sample type named typ ("cpu", "alloc_space").
func Index(p *profile.Profile, typ string) (int, error) {
	for i, st := range p.SampleType {
		if st.Type == typ {
			return i, nil
		}
	}
	var have []string
	for _, st := range p.SampleType {
		have = append(have, st.Type)
	}
	return 0, fmt.Errorf("profile has no %s samples (has %s)", typ, strings.Join(have, ", "))
}

// Func is one function's share of a profile.
type Func struct {
	Name      string
	File      string
	Line      int // the line with the most flat value, else the function's first line
	StartLine int
	Flat, Cum int64
}

// Stack is one distinct stack (root first) and its total value.
type Stack struct {
	Funcs []string
	Value int64
}

// Line is one source line's cumulative value: the samples whose stack passes
// through it (inlined frames included), each counted once.
type Line struct {
	File string
	Line int
	Func string
	Cum  int64
}

// Summary is a profile reduced to functions, lines and stacks for one sample type.
type Summary struct {
	Type, Unit string
	Total      int64
	Funcs      []Func  // by flat, then cum, descending
	Lines      []Line  // by cum descending
	Stacks     []Stack // by value descending
}

// Summarize reduces p for the sample type typ.
func Summarize(p *profile.Profile, typ string) (*Summary, error) {
	idx, err := Index(p, typ)
	if err != nil {
		return nil, err
	}
	s := &Summary{Type: typ, Unit: p.SampleType[idx].Unit}
	type acc struct {
		f     Func
		lines map[int]int64
	}
	funcs := map[string]*acc{}
	get := func(fr Frame) *acc {
		a := funcs[fr.Func]
		if a == nil {
			a = &acc{f: Func{Name: fr.Func, File: fr.File, StartLine: fr.StartLine}, lines: map[int]int64{}}
			funcs[fr.Func] = a
		}
		return a
	}
	stacks := map[string]*Stack{}
	type lineKey struct {
		file string
		line int
	}
	lines := map[lineKey]*Line{}
	for _, smp := range p.Sample {
		v := smp.Value[idx]
		if v == 0 {
			continue
		}
		s.Total += v
		frs := Frames(smp)
		if len(frs) == 0 {
			continue
		}
		leaf := get(frs[0])
		leaf.f.Flat += v
		leaf.lines[frs[0].Line] += v
		seen := map[string]bool{}
		seenLine := map[lineKey]bool{}
		names := make([]string, 0, len(frs))
		for i := len(frs) - 1; i >= 0; i-- {
			names = append(names, frs[i].Func)
			if !seen[frs[i].Func] {
				seen[frs[i].Func] = true
				get(frs[i]).f.Cum += v
			}
			if lk := (lineKey{frs[i].File, frs[i].Line}); !seenLine[lk] {
				seenLine[lk] = true
				l := lines[lk]
				if l == nil {
					l = &Line{File: lk.file, Line: lk.line, Func: frs[i].Func}
					lines[lk] = l
				}
				l.Cum += v
			}
		}
		key := strings.Join(names, "\x00")
		st := stacks[key]
		if st == nil {
			st = &Stack{Funcs: names}
			stacks[key] = st
		}
		st.Value += v
	}
	s.Funcs = make([]Func, 0, len(funcs))
	s.Lines = make([]Line, 0, len(lines))
	s.Stacks = make([]Stack, 0, len(stacks))
	for _, a := range funcs {
		f := a.f
		f.Line = f.StartLine
		var best int64
		for ln, v := range a.lines {
			if v > best || v == best && ln < f.Line {
				best, f.Line = v, ln
			}
		}
		s.Funcs = append(s.Funcs, f)
	}
	sort.Slice(s.Funcs, func(i, j int) bool {
		a, b := s.Funcs[i], s.Funcs[j]
		if a.Flat != b.Flat {
			return a.Flat > b.Flat
		}
		if a.Cum != b.Cum {
			return a.Cum > b.Cum
		}
		return a.Name < b.Name
	})
	for _, l := range lines {
		s.Lines = append(s.Lines, *l)
	}
	sort.Slice(s.Lines, func(i, j int) bool {
		a, b := s.Lines[i], s.Lines[j]
		if a.Cum != b.Cum {
			return a.Cum > b.Cum
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	for _, st := range stacks {
		s.Stacks = append(s.Stacks, *st)
	}
	sort.Slice(s.Stacks, func(i, j int) bool {
		if s.Stacks[i].Value != s.Stacks[j].Value {
			return s.Stacks[i].Value > s.Stacks[j].Value
		}
		return strings.Join(s.Stacks[i].Funcs, ";") < strings.Join(s.Stacks[j].Funcs, ";")
	})
	return s, nil
}

// Site is a place in the code a share of a profile is attributed to.
type Site struct {
	Func  string
	File  string
	Line  int
	Value int64
}

// Sites attributes the samples whose stack has a frame accepted by under
// (for example a benchmark function) to a site: the frame nearest the leaf
// accepted by own (the module's code), or the leaf when none is. It returns
// the total of those samples and the sites by value, descending.
func Sites(p *profile.Profile, typ string, under, own func(Frame) bool) (int64, []Site, error) {
	idx, err := Index(p, typ)
	if err != nil {
		return 0, nil, err
	}
	type key struct {
		fn, file string
		line     int
	}
	acc := map[key]int64{}
	var total int64
	for _, smp := range p.Sample {
		v := smp.Value[idx]
		if v == 0 {
			continue
		}
		frs := Frames(smp)
		in := false
		for _, fr := range frs {
			if under(fr) {
				in = true
				break
			}
		}
		if !in || len(frs) == 0 {
			continue
		}
		total += v
		site := frs[0]
		for _, fr := range frs {
			if own(fr) {
				site = fr
				break
			}
		}
		acc[key{site.Func, site.File, site.Line}] += v
	}
	var out []Site
	for k, v := range acc {
		out = append(out, Site{Func: k.fn, File: k.file, Line: k.line, Value: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Value != out[j].Value {
			return out[i].Value > out[j].Value
		}
		return out[i].File < out[j].File || out[i].File == out[j].File && out[i].Line < out[j].Line
	})
	return total, out, nil
}

// Self is Alloc.Via's key for objects the line allocated itself.
const Self = "(this line)"

// Alloc is one line's allocations in a heap profile.
type Alloc struct {
	Func    string
	File    string
	Line    int
	Objects int64 // alloc_objects, as the profile scales them
	Bytes   int64 // alloc_space
	// Via holds the objects by the function the line called that allocated
	// them (a library function, or one inlined into the line), or Self when
	// the line allocated them itself: heap profiles leave the runtime's
	// allocation functions (newobject, convT…, growslice) out of stacks, so
	// a line boxing a value or making a slice is the leaf of its samples.
	Via map[string]int64
	// Samples estimates how many samples the line's figures rest on: the
	// runtime samples one allocation per MemProfileRate bytes on average and
	// the profile scales each sample of an object of size s by
	// 1/(1-exp(-s/rate)), so samples = objects × (1-exp(-s/rate)).
	Samples float64
}

// AllocLines attributes the allocations of the samples whose stack (leaf
// first) accept takes, for example those allocated inside a benchmark's
// timed loop, to a line of the module's code (own): the
// leaf-most location holding a frame of the module gives the site, its
// outermost line accepted by own, which is where the compiler reports an
// escape of code inlined into it. A sample whose leaf-most module frame is
// rejected by site (test code: a benchmark's own handler allocating) is
// counted in the totals but charged to no line, never to the module code
// that called it. It returns the objects and bytes of every accepted sample
// (the denominators of a line's share) and the lines, most objects first.
//
// callee, when not nil, names what the call before a location's address
// called (Callees.Callee): a line's own allocations are then told apart by
// the runtime function that made them (Via "runtime.convT64", not Self).
func AllocLines(p *profile.Profile, accept func([]Frame) bool, own, site func(Frame) bool, callee func(*profile.Location) string) (total Alloc, _ []Alloc, _ error) {
	oi, err := Index(p, "alloc_objects")
	if err != nil {
		return total, nil, err
	}
	si, err := Index(p, "alloc_space")
	if err != nil {
		return total, nil, err
	}
	rate := float64(p.Period)
	type key struct {
		file string
		line int
	}
	acc := map[key]*Alloc{}
	for _, smp := range p.Sample {
		objs, bytes := smp.Value[oi], smp.Value[si]
		if objs == 0 {
			continue
		}
		frames := Frames(smp)
		if !accept(frames) {
			continue
		}
		total.Objects += objs
		total.Bytes += bytes
		if poolRefill(frames) {
			continue // a sync.Pool refilled after a collection
		}
		var at *Frame
		via := ""        // what the site called that allocated, or Self
		var prev []Frame // the frames leaf-ward of the location being looked at
		for _, loc := range smp.Location {
			var frs []Frame // innermost first
			for _, ln := range loc.Line {
				if ln.Function != nil {
					frs = append(frs, Frame{Func: ln.Function.Name, File: ln.Function.Filename, Line: int(ln.Line), StartLine: int(ln.Function.StartLine)})
				}
			}
			first := -1
			for i, fr := range frs {
				if own(fr) {
					first = i
					break
				}
			}
			if first < 0 {
				prev = append(prev, frs...)
				continue
			}
			if !site(frs[first]) || scaffolding(prev) || scaffolding(frs[:first]) {
				break // allocated by test code, or by the test scaffolding it handed the module
			}
			for i := len(frs) - 1; i >= first; i-- { // outermost first
				if own(frs[i]) && site(frs[i]) {
					at = &frs[i]
					// What the site called: an inlined function of this
					// location, else the location leaf-ward of it; nothing
					// (Self) when the line allocated itself.
					switch {
					case i > 0:
						via = frs[i-1].Func
					case len(prev) > 0:
						via = prev[len(prev)-1].Func
						if callee != nil && callee(loc) == Indirect && callerBuffer(via) {
							// The line wrote to an io.Writer it was
							// given, an in-memory buffer: its growth
							// is the buffer's owner's (a benchmark
							// logging into a bytes.Buffer), not this
							// line's.
							at = nil
						}
					default:
						via = Self
						if callee != nil {
							if c := callee(loc); IsAllocator(c) {
								via = c
							}
						}
					}
					break
				}
			}
			break
		}
		if at == nil || strings.HasSuffix(via, ".ServeHTTP") {
			// Nothing of the module's, or the module handed the request to
			// an http.Handler that is not its own (net/http's 404, a
			// HandlerFunc): what the handler allocates is the handler's,
			// not the router line that called it.
			continue
		}
		site := at
		k := key{site.File, site.Line}
		a := acc[k]
		if a == nil {
			a = &Alloc{Func: site.Func, File: site.File, Line: site.Line}
			acc[k] = a
		}
		a.Objects += objs
		a.Bytes += bytes
		if via != "" {
			if a.Via == nil {
				a.Via = map[string]int64{}
			}
			a.Via[via] += objs
		}
		if rate > 0 {
			size := float64(bytes) / float64(objs)
			a.Samples += float64(objs) * (1 - math.Exp(-size/rate))
		} else {
			a.Samples += float64(objs)
		}
	}
	out := make([]Alloc, 0, len(acc))
	for _, a := range acc {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Objects != out[j].Objects {
			return out[i].Objects > out[j].Objects
		}
		return out[i].File < out[j].File || out[i].File == out[j].File && out[i].Line < out[j].Line
	})
	return total, out, nil
}

// A sync.Pool allocates in its New when it is empty, and a collection
// empties it: how often a pooled line allocates is set by how often the
// collector runs, not by the line (zerolog's Print, through fmt's printer
// pool: 0.58 and 0.60 allocations per op in two runs, 1.25 in a third
// under load, across HotPerOp). What a pool's New allocates is counted in
// the totals and charged to no line.

// poolRefill reports whether frs go through a sync.Pool's Get: whatever
// runs inside Get is its New (the module's own, or one a wrapper of the
// module's passes it: zap's internal/pool), refilling it.
func poolRefill(frs []Frame) bool {
	for _, fr := range frs {
		if fr.Func == "sync.(*Pool).Get" {
			return true
		}
	}
	return false
}

// callerBuffer: what grows an in-memory buffer that a line writes to
// through an io.Writer.
func callerBuffer(fn string) bool {
	for _, p := range []string{"bytes.(*Buffer).", "strings.(*Builder)."} {
		if m, ok := strings.CutPrefix(fn, p); ok {
			return strings.HasPrefix(m, "Write") || m == "ReadFrom"
		}
	}
	return false
}

// scaffoldingPkgs are standard packages that exist for tests: what they
// allocate (an httptest.ResponseRecorder's header map and body, a
// testing.B's bookkeeping) is the benchmark's cost, not that of the module
// code that called into them (a router writing its 404 to the recorder the
// benchmark passed it); production passes other values there.
var scaffoldingPkgs = []string{"net/http/httptest", "testing", "testing/"}

// scaffolding reports whether one of frs (the frames a module frame called)
// is in a test scaffolding package.
func scaffolding(frs []Frame) bool {
	for _, fr := range frs {
		pkg := fr.Func
		if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
			if j := strings.IndexByte(pkg[i:], '.'); j >= 0 {
				pkg = pkg[:i+j]
			}
		} else if j := strings.IndexByte(pkg, '.'); j >= 0 {
			pkg = pkg[:j]
		}
		for _, s := range scaffoldingPkgs {
			if pkg == s || strings.HasSuffix(s, "/") && strings.HasPrefix(pkg, s) {
				return true
			}
		}
	}
	return false
}

// Merge merges profiles of one kind (the per-benchmark profiles of one test
// binary) into one, for go tool pprof.
func Merge(ps []*profile.Profile) (*profile.Profile, error) {
	return profile.Merge(ps)
}
