package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gocap/gocap/checks/internal/compilerjson"
	"github.com/gocap/gocap/checks/internal/profiles"
	"github.com/gocap/gocap/checks/internal/testjson"
	"github.com/gocap/gocap/internal/testclose"
	"github.com/gocap/gocap/reports"
)

// The tests in this file read real tool outputs recorded once from the module
// testdata/captured/src (copied to /tmp/cap/m, see record.sh there), so the
// legs' parsing is tested without running go test or the compiler.

const capRoot = "/tmp/cap/m"

func capEnv() *Env { return &Env{Dir: capRoot, Module: "example.com/m"} }

func rtFindingAt(fs []reports.Finding, rule, file string, line int) *reports.Finding {
	for i := range fs {
		if fs[i].Rule == rule && fs[i].File == file && fs[i].Line == line {
			return &fs[i]
		}
	}
	return nil
}

func rtDump(fs []reports.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(string(f.Severity) + " " + f.Rule + " " + f.File + ":" + strconv.Itoa(f.Line) + " " + f.Message + "\n")
	}
	return b.String()
}

func TestRaceResultCaptured(t *testing.T) {
	f, err := os.Open("testdata/captured/race.json")
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "race.json", f)
	stream, err := testjson.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{}
	for _, p := range []string{"racy", "failing", "panicky", "slow", "vetfail", "compileerr", "hot", "notests"} {
		dirs["example.com/m/"+p] = filepath.Join(capRoot, p)
	}
	res, _ := raceResult(capEnv(), stream, dirs)
	fs := res.Findings
	for _, w := range []struct {
		rule, file string
		line       int
		msg        string
	}{
		{"data-race", "racy/racy.go", 12, "read at racy/racy.go:12"},
		{"data-race", "racy/racy.go", 35, "in TestPut"},
		{"test-failed", "failing/failing_test.go", 7, "TestAbs: Abs(-3) = -3, want 3"},
		{"panic", "panicky/p.go", 4, "index out of range"},
		{"timeout", "slow/s_test.go", 8, "test timed out after 3s while running TestSlow"},
		{"build-failed/vet", "vetfail/v.go", 6, "vet step failed: fmt.Sprintf format %s has arg n of wrong type int"},
		{"build-failed", "compileerr/c.go", 4, "does not build under go test (compiler or go test's vet step): cannot use"},
	} {
		got := rtFindingAt(fs, w.rule, w.file, w.line)
		if got == nil {
			t.Errorf("no %s finding at %s:%d; findings:\n%s", w.rule, w.file, w.line, rtDump(fs))
			continue
		}
		if !strings.Contains(got.Message, w.msg) || got.Severity != reports.SevError || got.Hint == "" {
			t.Errorf("%s at %s:%d: %s %q (hint %q), want message containing %q", w.rule, w.file, w.line, got.Severity, got.Message, got.Hint, w.msg)
		}
	}
	// The racy tests failed only because of their races: no test-failed.
	for _, f := range fs {
		if f.Rule == "test-failed" && strings.Contains(f.Message, "TestIncAll") || strings.Contains(f.Message, "TestPut") && f.Rule != "data-race" {
			t.Errorf("race-only failure reported as %s: %s", f.Rule, f.Message)
		}
	}
	if len(fs) != 2+5 {
		t.Errorf("got %d findings, want 7 (2 races, 1 failure, 1 panic, 1 timeout, 2 build failures):\n%s", len(fs), rtDump(fs))
	}
	// Four reports, deduplicated by access pair (the places of both
	// accesses) into two races: read/write and write/write at racy.go:12,
	// and the one in Put, each reported twice.
	if len(res.Races) != 2 {
		t.Fatalf("got %d races, want 2", len(res.Races))
	}
	counts := 0
	for _, r := range res.Races {
		counts += r.Count
	}
	if counts != 4 {
		t.Errorf("race counts sum to %d, want 4", counts)
	}
	for _, r := range res.Races {
		if r.Package != "example.com/m/racy" || len(r.Accesses) != 2 {
			t.Errorf("race %+v", r)
			continue
		}
		for _, a := range r.Accesses {
			if a.Location == nil || !strings.HasPrefix(a.Location.File, "racy/") || len(a.Stack) == 0 || a.Goroutine == 0 {
				t.Errorf("access %+v", a)
			}
		}
		if !strings.HasPrefix(r.Accesses[1].Kind, "previous ") {
			t.Errorf("second access kind %q", r.Accesses[1].Kind)
		}
	}
	put := res.Races[len(res.Races)-1]
	if put.Test != "TestPut" || put.Accesses[0].Stack[0].File != "/usr/local/go/src/internal/runtime/maps/runtime_faststr.go" {
		t.Errorf("TestPut race: std frames must stay absolute: %+v", put.Accesses[0].Stack)
	}
	if put.Count != 2 || res.Races[0].Count != 2 {
		t.Errorf("race counts %d, %d, want 2 and 2", res.Races[0].Count, put.Count)
	}
	if !strings.Contains(res.Summary, "2 data races") || !strings.Contains(res.Summary, "2 packages did not build") {
		t.Errorf("summary %q", res.Summary)
	}
}

// capturedEscapes is the escape leg's result over the captured compiler
// diagnostics. The recorded sources live in testdata/captured/src; the
// headers are pointed there so the enclosing functions can be parsed.
func capturedEscapes(t *testing.T) *Result {
	t.Helper()
	files, err := compilerjson.ReadDir("testdata/captured/compiler")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := filepath.Abs("testdata/captured/src")
	for _, f := range files {
		f.Header.File = strings.Replace(f.Header.File, capRoot, src, 1)
	}
	return escapeResult(&Env{Dir: src, Module: "example.com/m"}, files, nil)
}

func TestEscapeResultCaptured(t *testing.T) {
	res := capturedEscapes(t)
	want := map[string]string{ // file:line rule -> function
		"esc/esc.go:11 leak-param":    "example.com/m/esc.(*T).Name",
		"esc/esc.go:15 moved-to-heap": "example.com/m/esc.Store",
		"esc/esc.go:21 heap-escape":   "example.com/m/esc.Hello",
		"esc/esc.go:25 moved-to-heap": "example.com/m/esc.Later",
		"esc/esc.go:26 heap-escape":   "example.com/m/esc.Later",
		"esc/esc.go:33 moved-to-heap": "example.com/m/esc.Box[...]",
		"esc/esc.go:37 moved-to-heap": "example.com/m/esc.init",
		"hot/hot.go:12 heap-escape":   "example.com/m/hot.Parse",
	}
	got := map[string]string{}
	for _, f := range res.Findings {
		if f.Severity != reports.SevInfo || f.Dimension != "memory" || f.Hint == "" {
			t.Errorf("finding %+v", f)
		}
		got[f.File+":"+strconv.Itoa(f.Line)+" "+f.Rule] = f.Function
	}
	for k, fn := range want {
		if got[k] != fn {
			t.Errorf("%s: function %q, want %q", k, got[k], fn)
		}
	}
	returned := map[string]bool{}
	for _, e := range res.Escapes {
		if e.File == "hot/hot.go" {
			if e.FuncLine != 11 || len(e.Flow) == 0 || e.Code != "escape" {
				t.Errorf("hot escape %+v", e)
			}
		}
		if e.Returned {
			returned[e.File+":"+strconv.Itoa(e.Line)+" "+e.Message] = true
		}
	}
	// The compiler's flows, with Collect's named result found in the source.
	wantRet := []string{"esc/esc.go:15 y escapes to heap", "esc/esc.go:26 func literal escapes to heap",
		"hot/hot.go:12 &Point{} escapes to heap", "ret/ret.go:17 make([]string, 0, len(items)) escapes to heap",
		"ret/ret.go:19 append(out, it.Name) escapes to heap", "ret/ret.go:26 &Item{...} escapes to heap",
		"ret/ret.go:32 append(items, &Item{}) escapes to heap", "ret/ret.go:40 &errors.errorString{...} escapes to heap",
		"ret/ret.go:81 func literal escapes to heap"}
	for _, k := range wantRet {
		if !returned[k] {
			t.Errorf("%s: not a returned escape", k)
		}
	}
	if len(returned) != len(wantRet) {
		t.Errorf("returned escapes = %v, want %v", returned, wantRet)
	}
	// esc 11, hot 1, ret 21 (sync/atomic's type.go is not the module's).
	if len(res.Escapes) != len(res.Findings) || len(res.Escapes) != 33 {
		t.Errorf("%d escapes, %d findings, want 33 each", len(res.Escapes), len(res.Findings))
	}
}

// TestJoinReturnedCaptured joins the captured compiler output with the
// captured profiles: hot.Parse's &Point{} runs in nearly every sample but
// flows to Parse's result, so it is a returned escape, not a hot one.
func TestJoinReturnedCaptured(t *testing.T) {
	esc := capturedEscapes(t)
	benches := capturedBenchmarks(t)
	pp := hotAllocFindings(capEnv(), benches)
	if len(pp) != 1 || pp[0].Rule != "hot-alloc" || pp[0].File != "hot/hot.go" || pp[0].Line != 12 {
		t.Fatalf("pprof findings before the join:\n%s", rtDump(pp))
	}
	rep := &reports.Report{Benchmarks: benches, Escapes: esc.Escapes,
		Checks: []reports.Check{{ID: "escape", Status: reports.StatusPass, Measures: []string{"memory"}, Findings: esc.Findings},
			{ID: "pprof", Status: reports.StatusPass, Measures: []string{"performance"}, Findings: pp}}}
	JoinHotEscapes(rep)
	reports.Score(rep, nil)
	MemoryHeadline(rep)
	e := rep.Escapes[0]
	if e.File != "hot/hot.go" || e.Line != 12 || e.Hot || !e.Returned || e.Heat < 0.99 {
		t.Errorf("first escape = %+v, want hot.go:12 returned, not hot, heat ≥ 0.9", e)
	}
	for _, e := range rep.Escapes {
		if e.Hot {
			t.Errorf("escape %s:%d is hot", e.File, e.Line)
		}
	}
	f := rtFindingAt(rep.Check("escape").Findings, ReturnedEscapeRule, "hot/hot.go", 12)
	if f == nil || f.Severity != reports.SevInfo || f.Hint != returnedHint || !strings.Contains(f.Message, "&Point{} escapes to heap in hot.Parse (returned; ") {
		t.Fatalf("returned-escape finding missing or wrong:\n%s", rtDump(rep.Check("escape").Findings))
	}
	for _, f := range rep.Check("escape").Findings {
		if f.Severity != reports.SevInfo {
			t.Errorf("%s %s at %s:%d", f.Severity, f.Rule, f.File, f.Line)
		}
	}
	if d := rep.Dimension("memory"); d == nil || !strings.HasPrefix(d.Summary, "no escape in a profiled hot path") {
		t.Errorf("memory dimension = %+v", d)
	}
	// One finding for the line: the returned escape took over pprof's hot-alloc.
	if fs := rep.Check("pprof").Findings; len(fs) != 0 {
		t.Errorf("pprof findings after the join:\n%s", rtDump(fs))
	}
}

// capturedBenchmarks is BenchmarkSum (the only benchmark of package hot,
// so the recorded profile is its own) with its allocation lines.
func capturedBenchmarks(t *testing.T) []reports.Benchmark {
	t.Helper()
	f, err := os.Open("testdata/captured/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "bench.txt", f)
	bs := parseBenchmarks("example.com/m/hot", f)
	prof, err := profiles.Load("testdata/captured/mem.pprof")
	if err != nil {
		t.Fatal(err)
	}
	// The benchmark loops of the recorded test file, at the recorded path.
	src, _ := filepath.Abs("testdata/captured/src/hot")
	_, loops := findBenchmarks(&Package{Dir: src, TestGoFiles: []string{"hot_test.go"}})
	if len(loops) != 1 {
		t.Fatalf("benchmark loops = %+v", loops)
	}
	for i := range loops {
		loops[i].file = filepath.Join(capRoot, "hot", filepath.Base(loops[i].file))
	}
	for i := range bs {
		if bs[i].Name == "BenchmarkSum" {
			bs[i].AllocLines = allocLines(capEnv(), prof, bs[i].Name, loops, bs[i].AllocsPerOp, bs[i].BytesPerOp, nil)
			return bs[i : i+1]
		}
	}
	t.Fatalf("no BenchmarkSum in %+v", bs)
	return nil
}

func TestParseBenchmarksCaptured(t *testing.T) {
	f, err := os.Open("testdata/captured/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "bench.txt", f)
	bs := parseBenchmarks("example.com/m/hot", f)
	if len(bs) != 1 {
		t.Fatalf("benchmarks = %+v", bs)
	}
	b := bs[0]
	if b.Name != "BenchmarkSum" || b.Package != "example.com/m/hot" || b.Runs != 3 || len(b.Samples) != 3 {
		t.Fatalf("benchmark = %+v", b)
	}
	if b.BytesPerOp != 96 || b.AllocsPerOp != 4 {
		t.Errorf("B/op %v allocs/op %v, want 96 and 4", b.BytesPerOp, b.AllocsPerOp)
	}
	// The centre of three runs is their median.
	lo, hi := b.Samples[0].NsPerOp, b.Samples[0].NsPerOp
	for _, s := range b.Samples {
		lo, hi = min(lo, s.NsPerOp), max(hi, s.NsPerOp)
		if s.Iterations <= 0 {
			t.Errorf("run %+v", s)
		}
	}
	if b.NsPerOp <= lo || b.NsPerOp >= hi {
		t.Errorf("ns/op centre %v not strictly between %v and %v", b.NsPerOp, lo, hi)
	}
}

func TestBenchNameDropsProcs(t *testing.T) {
	bs := parseBenchmarks("p", strings.NewReader("BenchmarkA/size=10-8 10 5 ns/op\nBenchmarkB 10 5 ns/op\nBenchmarkC-4 10 5 ns/op 3 B/op 1 allocs/op\n"))
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	if strings.Join(names, ",") != "BenchmarkA/size=10,BenchmarkB,BenchmarkC" {
		t.Errorf("names = %v", names)
	}
}

// Parse's &Point{} (hot.go:12) is every allocation of BenchmarkSum, four
// per op: one line, allocating on every op, from enough samples.
func TestAllocLinesCaptured(t *testing.T) {
	bs := capturedBenchmarks(t)
	if len(bs[0].AllocLines) != 1 {
		t.Fatalf("alloc lines = %+v", bs[0].AllocLines)
	}
	l := bs[0].AllocLines[0]
	if l.File != "hot/hot.go" || l.Line != 12 || l.Func != "example.com/m/hot.Parse" || l.PerOp != 4 || l.Share != 1 || l.Samples < MinAllocSamples {
		t.Errorf("alloc line = %+v, want hot/hot.go:12 in hot.Parse, 4 per op, all of the objects, ≥ %d samples", l, MinAllocSamples)
	}
	if strings.Join(l.Via, ",") != profiles.Self {
		t.Errorf("the line allocated via %v, want itself (&Point{})", l.Via)
	}
	hl := HotLines(bs)
	if len(hl) != 1 || hl[0].Line != 12 || strings.Join(hl[0].Benches, ",") != "BenchmarkSum" {
		t.Errorf("hot lines = %+v", hl)
	}
}

func TestJoinHotLines(t *testing.T) {
	al := func(file string, line int, perOp float64, samples int) reports.AllocLine {
		return reports.AllocLine{File: file, Line: line, Func: "m/p.F", PerOp: perOp, Share: perOp / 10, Samples: samples}
	}
	rep := &reports.Report{
		Benchmarks: []reports.Benchmark{
			{Name: "BenchmarkA/x", AllocsPerOp: 10, AllocLines: []reports.AllocLine{al("p/p.go", 10, 1, 400), al("p/p.go", 20, 0.5, 400), al("p/p.go", 30, 2, 5), al("p/p.go", 50, 1, 400)}},
			{Name: "BenchmarkA/y", AllocsPerOp: 10, AllocLines: []reports.AllocLine{al("p/p.go", 10, 3, 900)}},
			{Name: "BenchmarkB", AllocsPerOp: 10, AllocLines: []reports.AllocLine{al("p/p.go", 40, 1, 400), al("p/p.go", 60, 1, 400)}},
		},
		Escapes: []reports.Escape{
			{File: "p/p.go", Line: 10, Col: 7, Code: "escape", Message: "&T{} escapes to heap", Function: "m/p.F"},
			{File: "p/p.go", Line: 20, Code: "escape", Message: "every other op", Function: "m/p.F"},
			{File: "p/p.go", Line: 30, Code: "escape", Message: "few samples", Function: "m/p.F"},
			{File: "p/p.go", Line: 40, Code: "leak", Message: "leaking param: x", Function: "m/p.F"},
			{File: "p/p.go", Line: 50, Code: "escape", Message: "make([]byte, n) escapes to heap", Function: "m/p.F", Returned: true},
			{File: "p/p.go", Line: 70, Code: "escape", Message: "no samples", Function: "m/p.F"},
		},
	}
	var fs []reports.Finding
	for _, e := range rep.Escapes {
		rule := "heap-escape"
		if e.Code == "leak" {
			rule = "leak-param"
		}
		fs = append(fs, reports.Finding{Rule: rule, Severity: reports.SevInfo, File: e.File, Line: e.Line, Col: e.Col, Message: e.Message + " in p.F"})
	}
	env := &Env{Dir: t.TempDir()}
	pp := hotAllocFindings(env, rep.Benchmarks)
	rep.Checks = []reports.Check{{ID: "escape", Findings: fs}, {ID: "pprof", Findings: pp}}
	JoinHotEscapes(rep)
	hot := map[int]bool{}
	for _, e := range rep.Escapes {
		if e.Hot {
			hot[e.Line] = true
		}
	}
	if !hot[10] || len(hot) != 1 || rep.Escapes[0].Line != 10 || rep.Escapes[0].Heat != 0.3 {
		t.Errorf("hot escapes = %v (first %+v), want only line 10, heat 0.3", hot, rep.Escapes[0])
	}
	got := map[string]string{}
	for _, f := range append(append([]reports.Finding{}, rep.Checks[0].Findings...), rep.Checks[1].Findings...) {
		got[strconv.Itoa(f.Line)+" "+f.Rule] = string(f.Severity) + " " + f.Message
	}
	want := map[string]string{
		"10 hot-heap-escape": "warning &T{} escapes to heap in p.F (hot: allocates 3 per op in BenchmarkA/y, BenchmarkA/x)",
		"20 heap-escape":     "info every other op in p.F",
		"30 heap-escape":     "info few samples in p.F",
		"40 leak-param":      "info leaking param: x in p.F",
		"50 returned-escape": "info make([]byte, n) escapes to heap in p.F (returned; allocates 1 per op in BenchmarkA/x)",
		"70 heap-escape":     "info no samples in p.F",
		// No escape explains these two: pprof's finding stays, one per line.
		"40 hot-alloc": "warning p.F allocates on every benchmarked op (allocates 1 per op in BenchmarkB)",
		"60 hot-alloc": "warning p.F allocates on every benchmarked op (allocates 1 per op in BenchmarkB)",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("findings = %v", got)
	}
}

func TestHotNoteNamesBenchmarks(t *testing.T) {
	h := &hotLine{PerOp: 1, Benches: []string{"BenchmarkA", "BenchmarkB", "BenchmarkC", "BenchmarkD", "BenchmarkE"}}
	if got := hotNote(h); got != "allocates 1 per op in BenchmarkA, BenchmarkB, BenchmarkC and 2 more" {
		t.Errorf("got %q", got)
	}
}

func TestMemProfileRate(t *testing.T) {
	for _, c := range []struct {
		bt                string
		count             int
		ns, bytes, allocs float64
		want              int
	}{
		{"100ms", 1, 100, 48, 1, 12000},             // 1e6 ops × 48 B / TargetAllocSamples
		{"100ms", 1, 1000, 400, 5, 6250},            // 1e5 ops: a 16 B/op line still gets 256 samples
		{"100ms", 1, 100, 960, 10, 62500},           // 96e7 B: a 16 B/op line's 256 samples
		{"100ms", 1, 1e4, 159055, 229, 39763},       // 1.59e9 B / MaxAllocSamples
		{"20ms", 1, 550e3, 159055, 229, 1},          // 36 ops × 229: every allocation (cobra's man pages)
		{"100ms", 1, 100, 0, 0, 1},                  // allocates nothing: any rate
		{"100ms", 10, 1000, 1 << 20, 100, 64 << 10}, // capped
		{"1000x", 2, 5, 100, 25, 50},                // 2000 ops × 100 B / 4000
	} {
		want := min(c.want, 64<<10)
		if got := memProfileRate(c.bt, c.count, c.ns, c.bytes, c.allocs); got != want {
			t.Errorf("memProfileRate(%s, %d, %v, %v, %v) = %d, want %d", c.bt, c.count, c.ns, c.bytes, c.allocs, got, want)
		}
	}
}

func TestReturnedAllocLines(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "r.go", `package r

import "strings"

type T struct{ s []string }

func (t T) String() string {
	return strings.Join(t.s, ",")
}

func Names(n int) []string {
	out := make([]string, 0, n)
	return append(out, "x")
}

func Keep(n int) {
	sink = make([]byte, n)
}

var sink []byte

func Pattern(ps []string) string {
	p := strings.Join(ps, "")
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	q := strings.Repeat(p, 2)
	_ = q
	return p
}
`)
	r := newReturnedAllocs()
	for line, want := range map[int]bool{8: true, 12: true, 13: true, 17: false, 23: true, 25: true, 27: false} {
		if got := r.returns(filepath.Join(dir, "r.go"), line); got != want {
			t.Errorf("line %d: returns = %v, want %v", line, got, want)
		}
	}
}

func TestZeroSizeEscapes(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "z.go", `package z

type empty struct{}
type ctxKey struct{ empty }
type pair struct{ a, b empty; n [0]int }
type full struct{ n int }
`)
	file := filepath.Join(dir, "z.go")
	z := newZeroSizer([]*Package{{Name: "z", Dir: dir}})
	for msg, want := range map[string]bool{
		"ctxKey{} escapes to heap":                true,
		"&pair{} escapes to heap":                 true,
		"new(empty) escapes to heap":              true,
		"[]byte{} escapes to heap":                true,
		"struct {}{} escapes to heap":             false, // not a form the compiler prints for a named type; left alone
		"full{} escapes to heap":                  false,
		"new(full) escapes to heap":               false,
		"[]byte{...} escapes to heap":             false,
		"z.ctxKey{} escapes to heap":              true,
		"context.backgroundCtx{} escapes to heap": true, // the standard library's source
		"context.cancelCtx{} escapes to heap":     false,
	} {
		if got := z.zeroSizeEscape(msg, file, nil); got != want {
			t.Errorf("%q: zero-size = %v, want %v", msg, got, want)
		}
	}
}

func TestHeatWeight(t *testing.T) {
	for heat, want := range map[float64]float64{0: 0, 0.01: 0.1, 0.05: 0.5, 0.10: 1, 0.9: 1} {
		if got := HeatWeight(heat); got < want-1e-9 || got > want+1e-9 {
			t.Errorf("HeatWeight(%v) = %v, want %v", heat, got, want)
		}
	}
}

func TestGoraceFlags(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "atexit_sleep_ms=100",
		"halt_on_error=1":                     "halt_on_error=1 atexit_sleep_ms=100",
		"atexit_sleep_ms=2000 history_size=3": "atexit_sleep_ms=2000 history_size=3",
	} {
		if got := goraceFlags(in); got != want {
			t.Errorf("goraceFlags(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBenchmarkLoopsFound(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "x_test.go", `package x

import "testing"

func BenchmarkA(b *testing.B) {
	setup := make([]int, 100)
	for b.Loop() {
		_ = setup
	}
}

func BenchmarkB(b *testing.B) {
	for i := 0; i < b.N; i++ {
	}
	b.Run("sub", func(b *testing.B) {
		for range b.N {
		}
	})
}

func BenchmarkC(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
		}
	})
	for i := 0; i < 3; i++ {
	}
}
`)
	decls, loops := findBenchmarks(&Package{Dir: dir, TestGoFiles: []string{"x_test.go"}})
	if len(decls) != 3 {
		t.Errorf("benchmarks = %+v", decls)
	}
	var got []string
	for _, l := range loops {
		got = append(got, strconv.Itoa(l.start)+"-"+strconv.Itoa(l.end))
	}
	if strings.Join(got, " ") != "7-9 13-14 16-17 23-24" {
		t.Errorf("loops = %v, want 7-9 13-14 16-17 23-24 (not the setup, not the plain for)", got)
	}
}

// An escape of the line's own code is hot only when the line allocated
// itself: a Color (int) boxed for Sprintf is one of the runtime's
// preallocated small integers, the line's allocation is Sprintf's result; a
// zero-size hook boxed on a line whose allocation is an inlined append; a
// constant contextKey(0) boxed for context.WithValue, which allocates. An
// escape inlined from a library needs the line to allocate in inlined code
// or a callee.
func TestJoinNamedEscapeNeedsItsAllocation(t *testing.T) {
	line := func(n int, via ...string) reports.AllocLine {
		return reports.AllocLine{File: "p/p.go", Line: n, PerOp: 1, Share: 0.5, Samples: 500, Via: via}
	}
	rep := &reports.Report{
		Benchmarks: []reports.Benchmark{{Name: "BenchmarkA", AllocsPerOp: 2, AllocLines: []reports.AllocLine{
			line(10, "fmt.Sprintf"), line(20, profiles.Self, "fmt.Sprintf"), line(30, profiles.Self), line(40, "m/p.Logger.Hook"),
			line(50, "context.WithValue"), line(60, profiles.Self)}}},
		Escapes: []reports.Escape{
			{File: "p/p.go", Line: 10, Code: "escape", Message: "c escapes to heap", Function: "m/p.colorize"},
			{File: "p/p.go", Line: 20, Code: "escape", Message: "s escapes to heap", Function: "m/p.F"},
			{File: "p/p.go", Line: 30, Code: "escape", Message: "evt escapes to heap", Function: "m/p.F"},
			{File: "p/p.go", Line: 40, Code: "escape", Message: "th escapes to heap", Function: "m/p.F"},
			{File: "p/p.go", Line: 40, Code: "escape", Message: "append(hooks, h) escapes to heap", Function: "m/p.F", Inlined: "p/log.go:12"},
			{File: "p/p.go", Line: 50, Code: "escape", Message: "contextKey(0) escapes to heap", Function: "m/p.F"},
			{File: "p/p.go", Line: 60, Code: "escape", Message: "&json.Decoder{...} escapes to heap", Function: "m/p.F", Inlined: "json/stream.go:34"},
		},
	}
	JoinHotEscapes(rep)
	hot := map[string]bool{}
	for _, e := range rep.Escapes {
		if e.Hot {
			hot[e.Message] = true
		}
	}
	want := map[string]bool{"s escapes to heap": true, "evt escapes to heap": true, "append(hooks, h) escapes to heap": true}
	if len(hot) != len(want) {
		t.Errorf("hot = %v, want %v", hot, want)
	}
	for m := range want {
		if !hot[m] {
			t.Errorf("%q is not hot", m)
		}
	}
}

// When the profile tells which runtime function a line's own allocations
// called (profiles.Callees), an escape takes only the allocations of its
// kind: on logrus's printColored line an int colour (always 31–37) and the
// key string are boxed for Fprintf, and only the string's convTstring
// allocates; on cobra's SEE ALSO line the append stays in a stack buffer
// (Go 1.26) while the concatenation beside it allocates.
func TestJoinEscapeTakesItsOwnAllocator(t *testing.T) {
	line := func(n int, perOp map[string]float64) reports.AllocLine {
		l := reports.AllocLine{File: "p/p.go", Line: n, Share: 0.5, Samples: 500, ViaPerOp: perOp}
		for v, x := range perOp {
			l.Via = append(l.Via, v)
			l.PerOp += x
		}
		return l
	}
	rep := &reports.Report{
		Benchmarks: []reports.Benchmark{{Name: "BenchmarkA", AllocsPerOp: 4, AllocLines: []reports.AllocLine{
			line(10, map[string]float64{"runtime.convTstring": 2}),
			line(20, map[string]float64{"runtime.concatstring3": 1.5, "fmt.Sprintf": 1}),
			line(30, map[string]float64{profiles.Self: 2}),
			line(40, map[string]float64{"runtime.convTstring": 4}),
		}}},
		Escapes: []reports.Escape{
			{File: "p/p.go", Line: 10, Col: 5, Code: "escape", Message: "levelColor escapes to heap", Function: "m/p.F", Allocator: "runtime.convT64"},
			{File: "p/p.go", Line: 10, Col: 9, Code: "escape", Message: "k escapes to heap", Function: "m/p.F", Allocator: "runtime.convTstring"},
			{File: "p/p.go", Line: 20, Col: 3, Code: "escape", Message: "append(result, x) escapes to heap", Function: "m/p.F"},
			{File: "p/p.go", Line: 20, Col: 9, Code: "escape", Message: `a + " - " + b escapes to heap`, Function: "m/p.F"},
			// Not told apart (Self): the line's figure, as before.
			{File: "p/p.go", Line: 30, Code: "escape", Message: "n escapes to heap", Function: "m/p.F", Allocator: "runtime.convT64"},
			// Two strings boxed on one line: which allocated does not show.
			{File: "p/p.go", Line: 40, Col: 4, Code: "escape", Message: "header.Title escapes to heap", Function: "m/p.F"},
			{File: "p/p.go", Line: 40, Col: 9, Code: "escape", Message: "header.Manual escapes to heap", Function: "m/p.F"},
		},
	}
	var fs []reports.Finding
	for _, e := range rep.Escapes {
		fs = append(fs, reports.Finding{Rule: "heap-escape", Severity: reports.SevInfo, File: e.File, Line: e.Line, Col: e.Col, Message: e.Message})
	}
	rep.Checks = []reports.Check{{ID: "escape", Findings: fs}}
	JoinHotEscapes(rep)
	got := map[string]string{}
	for _, f := range rep.Checks[0].Findings {
		got[strconv.Itoa(f.Line)+":"+strconv.Itoa(f.Col)] = string(f.Severity) + " " + f.Message
	}
	want := map[string]string{
		"10:5": "info levelColor escapes to heap",
		"10:9": "warning k escapes to heap (hot: allocates 2 per op in BenchmarkA)",
		"20:3": "info append(result, x) escapes to heap",
		"20:9": `warning a + " - " + b escapes to heap (hot: allocates 1.5 per op in BenchmarkA)`,
		"30:0": "warning n escapes to heap (hot: allocates 2 per op in BenchmarkA)",
		"40:4": "warning header.Title escapes to heap (hot: 2 values of this kind on the line together allocate 4 per op in BenchmarkA)",
		"40:9": "warning header.Manual escapes to heap (hot: 2 values of this kind on the line together allocate 4 per op in BenchmarkA)",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

// The escape leg reads a boxed identifier's type from its declaration.
func TestBoxTyperReadsDeclaredType(t *testing.T) {
	src := `package p

import "fmt"

func F(b []byte, k string, flag bool) {
	var levelColor int
	switch len(b) {
	case 1:
		levelColor = 31
	}
	n := 3.5
	fmt.Println(levelColor, k, flag, n, b)
}
`
	file := filepath.Join(t.TempDir(), "p.go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bt := newBoxTyper()
	for col, want := range map[int]string{14: "runtime.convT64", 26: "runtime.convTstring", 29: "none", 35: "runtime.convT64", 38: "runtime.convTslice"} {
		name := strings.Fields(strings.NewReplacer(",", " ", ")", " ").Replace(strings.Split(src, "\n")[11][col-1:]))[0]
		if got := bt.allocator(name+" escapes to heap", file, 12, col); got != want {
			t.Errorf("%s (col %d): %q, want %q", name, col, got, want)
		}
	}
	if got := bt.allocator("x.f escapes to heap", file, 12, 14); got != "" {
		t.Errorf("a selector: %q, want \"\"", got)
	}
}

// Tiny objects are undercounted by heap profiles (packed into a 16-byte
// block another allocation started, they are never sampled): a line of
// tiny objects is hot from TinyHotPerOp, others from HotPerOp.
func TestHotLinesTinyThreshold(t *testing.T) {
	l := func(n int, perOp, size float64) reports.AllocLine {
		return reports.AllocLine{File: "p/p.go", Line: n, PerOp: perOp, Share: 0.1, Samples: 500, MeanSize: size}
	}
	bs := []reports.Benchmark{{Name: "BenchmarkA", AllocLines: []reports.AllocLine{
		l(10, 0.6, 12), l(20, 0.6, 48), l(30, 0.45, 8), l(40, 0.8, 48)}}}
	var got []int
	for _, h := range HotLines(bs) {
		got = append(got, h.Line)
	}
	if fmt.Sprint(got) != "[10 40]" {
		t.Errorf("hot lines %v, want [10 40] (a tiny line at 0.6 per op, a 48-byte one at 0.8)", got)
	}
}
