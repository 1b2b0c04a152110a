package profiles

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// cpu.pprof and mem.pprof are real profiles of BenchmarkSum in
// testdata/captured/src/hot, where Parse allocates a Point per call.
func TestSummarizeAllocCaptured(t *testing.T) {
	p, err := Load("../../testdata/captured/mem.pprof")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(p, "alloc_space")
	if err != nil {
		t.Fatal(err)
	}
	if s.Unit != "bytes" || s.Total <= 0 || len(s.Funcs) == 0 {
		t.Fatalf("summary = %+v", s)
	}
	top := s.Funcs[0]
	if top.Name != "example.com/m/hot.Parse" || top.File != "/tmp/cap/m/hot/hot.go" || top.Line != 12 || top.StartLine != 11 {
		t.Errorf("top alloc func = %+v, want hot.Parse at hot.go:12 (starts at 11)", top)
	}
	if share := float64(top.Flat) / float64(s.Total); share < 0.9 {
		t.Errorf("Parse flat share %.2f, want > 0.9", share)
	}
	var bench *Func
	for i := range s.Funcs {
		if s.Funcs[i].Name == "example.com/m/hot.BenchmarkSum" {
			bench = &s.Funcs[i]
		}
	}
	if bench == nil || bench.Flat != 0 || bench.Cum < top.Flat {
		t.Errorf("BenchmarkSum = %+v, want flat 0 and cum >= Parse's flat", bench)
	}
	if len(s.Stacks) == 0 || s.Stacks[0].Funcs[len(s.Stacks[0].Funcs)-1] != "example.com/m/hot.Parse" {
		t.Errorf("heaviest stack = %+v, want it to end in hot.Parse", s.Stacks[0])
	}
	for i := 1; i < len(s.Stacks); i++ {
		if s.Stacks[i].Value > s.Stacks[i-1].Value {
			t.Fatal("stacks not sorted by value")
		}
	}
}

func TestSummarizeCPUCaptured(t *testing.T) {
	p, err := Load("../../testdata/captured/cpu.pprof")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(p, "cpu")
	if err != nil {
		t.Fatal(err)
	}
	if s.Unit != "nanoseconds" || s.Total <= 0 {
		t.Fatalf("summary unit %q total %d", s.Unit, s.Total)
	}
	var flat int64
	for _, f := range s.Funcs {
		flat += f.Flat
		if f.Cum < f.Flat || f.Cum > s.Total {
			t.Errorf("%s: flat %d cum %d total %d", f.Name, f.Flat, f.Cum, s.Total)
		}
		if f.Name == "example.com/m/hot.Parse" && float64(f.Cum)/float64(s.Total) < 0.2 {
			t.Errorf("Parse cum share %.2f, want the benchmark's main cost", float64(f.Cum)/float64(s.Total))
		}
	}
	if flat != s.Total {
		t.Errorf("flat values sum to %d, total %d", flat, s.Total)
	}
	if _, err := Summarize(p, "alloc_space"); err == nil || !strings.Contains(err.Error(), "has cpu") && !strings.Contains(err.Error(), "samples, cpu") {
		t.Errorf("wrong sample type error = %v", err)
	}
}

func TestSitesUnderBenchmark(t *testing.T) {
	p, err := Load("../../testdata/captured/mem.pprof")
	if err != nil {
		t.Fatal(err)
	}
	under := func(f Frame) bool { return strings.HasSuffix(f.Func, ".BenchmarkSum") }
	own := func(f Frame) bool {
		return strings.HasPrefix(f.File, "/tmp/cap/m/") && !strings.HasSuffix(f.File, "_test.go")
	}
	total, sites, err := Sites(p, "alloc_space", under, own)
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || len(sites) == 0 {
		t.Fatalf("total %d sites %v", total, sites)
	}
	if s := sites[0]; s.Func != "example.com/m/hot.Parse" || s.Line != 12 || float64(s.Value)/float64(total) < 0.99 {
		t.Errorf("top site = %+v of %d", s, total)
	}
	none, _, _ := Sites(p, "alloc_space", func(Frame) bool { return false }, own)
	if none != 0 {
		t.Errorf("no benchmark matched but total = %d", none)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load("../../testdata/captured/bench.txt"); err == nil {
		t.Error("a text file parsed as a profile")
	}
	if _, err := Load("missing.pprof"); err == nil {
		t.Error("a missing file loaded")
	}
}

// BenchmarkSummarize reduces the captured CPU profile.
func BenchmarkSummarize(b *testing.B) {
	p, err := Load("../../testdata/captured/cpu.pprof")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Summarize(p, "cpu"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAllocLinesScaffolding: what a test scaffolding package allocates
// (httptest's recorder, under the router's 404 path) and what an
// http.Handler the module does not own allocates (net/http's 404 handler)
// count in the benchmark's totals but are charged to no module line; the
// module's own allocations are.
func TestAllocLinesScaffolding(t *testing.T) {
	var id uint64
	loc := func(fn, file string, line int) *profile.Location {
		id++
		f := &profile.Function{ID: id, Name: fn, Filename: file}
		return &profile.Location{ID: id, Line: []profile.Line{{Function: f, Line: int64(line)}}}
	}
	bench := loc("example.com/m.BenchmarkServe", "/m/m_test.go", 40)
	serve := loc("example.com/m.(*Router).ServeHTTP", "/m/m.go", 212)
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"}},
		Sample: []*profile.Sample{
			{Value: []int64{30, 3000}, Location: []*profile.Location{
				loc("net/http/httptest.(*ResponseRecorder).Header", "/go/src/net/http/httptest/recorder.go", 70),
				loc("net/http.Error", "/go/src/net/http/server.go", 2300),
				serve, bench}},
			{Value: []int64{7, 700}, Location: []*profile.Location{
				loc("net/textproto.MIMEHeader.Set", "/go/src/net/textproto/header.go", 20),
				loc("net/http.NotFound", "/go/src/net/http/server.go", 2330),
				loc("net/http.HandlerFunc.ServeHTTP", "/go/src/net/http/server.go", 2290),
				serve, bench}},
			{Value: []int64{10, 640}, Location: []*profile.Location{
				loc("example.com/m.requestWithVars", "/m/m.go", 449), serve, bench}},
			{Value: []int64{5, 80}, Location: []*profile.Location{
				loc("strings.(*Builder).grow", "/go/src/strings/builder.go", 80),
				loc("example.com/m.join", "/m/m.go", 300), serve, bench}},
			// Pools refilled after a collection: fmt's printer pool under
			// the module's Sprint call, and the module's own pool's New.
			{Value: []int64{4, 400}, Location: []*profile.Location{
				loc("fmt.newPrinter.func1", "/go/src/fmt/print.go", 150),
				loc("sync.(*Pool).Get", "/go/src/sync/pool.go", 150),
				loc("fmt.newPrinter", "/go/src/fmt/print.go", 155),
				loc("fmt.Sprint", "/go/src/fmt/print.go", 300),
				loc("example.com/m.(*Logger).Print", "/m/m.go", 456), serve, bench}},
			{Value: []int64{6, 600}, Location: []*profile.Location{
				loc("example.com/m.init.func1", "/m/m.go", 12),
				loc("sync.(*Pool).Get", "/go/src/sync/pool.go", 150),
				loc("example.com/m.newEvent", "/m/m.go", 20), serve, bench}},
			// A New passed through the module's own pool wrapper (zap's
			// internal/pool).
			{Value: []int64{3, 300}, Location: []*profile.Location{
				loc("example.com/m/buffer.init.func1", "/m/buffer/pool.go", 36),
				loc("example.com/m/internal/pool.New[...].func1", "/m/internal/pool/pool.go", 40),
				loc("sync.(*Pool).Get", "/go/src/sync/pool.go", 150),
				loc("example.com/m/internal/pool.(*Pool[...]).Get", "/m/internal/pool/pool.go", 50), serve, bench}},
		},
	}
	own := func(fr Frame) bool { return strings.HasPrefix(fr.File, "/m/") }
	site := func(fr Frame) bool { return !strings.HasSuffix(fr.File, "_test.go") }
	total, lines, err := AllocLines(p, func([]Frame) bool { return true }, own, site, nil)
	if err != nil {
		t.Fatal(err)
	}
	if total.Objects != 65 {
		t.Errorf("total objects %d, want 65 (the recorder's, the 404 handler's and the pools' in the totals)", total.Objects)
	}
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%s:%d=%d", filepath.Base(l.File), l.Line, l.Objects))
	}
	if strings.Join(got, " ") != "m.go:449=10 m.go:300=5" {
		t.Errorf("lines %v, want m.go:449=10 m.go:300=5 (none at m.go:212: the recorder's and the 404 handler's allocations; none at 456 or 12: pools refilling)", got)
	}
	if scaffolding([]Frame{{Func: "net/http.Error"}}) || !scaffolding([]Frame{{Func: "testing/fstest.MapFS.Open"}}) || scaffolding([]Frame{{Func: "example.com/testing.F"}}) {
		t.Error("scaffolding packages misread")
	}
}
