package checks

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gocap/gocap/checks/internal/compilerjson"
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
	res := raceResult(capEnv(), stream, dirs)
	fs := res.Findings
	for _, w := range []struct {
		rule, file string
		line       int
		msg        string
	}{
		{"data-race", "racy/racy.go", 12, "read by goroutine"},
		{"data-race", "racy/racy.go", 35, "in TestPut"},
		{"test-failed", "failing/failing_test.go", 7, "TestAbs: Abs(-3) = -3, want 3"},
		{"panic", "panicky/p.go", 4, "index out of range"},
		{"timeout", "slow/s_test.go", 8, "test timed out after 3s while running TestSlow"},
		{"build-failed", "vetfail/v.go", 6, "vet step failed: fmt.Sprintf format %s has arg n of wrong type int"},
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
	return escapeResult(&Env{Dir: src, Module: "example.com/m"}, files)
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
	bench, _ := os.ReadFile("testdata/captured/bench.txt")
	p := &Package{ImportPath: "example.com/m/hot", Dir: filepath.Join(capRoot, "hot"), Name: "hot"}
	decls := []benchDecl{{Name: "BenchmarkSum", File: filepath.Join(capRoot, "hot/hot_test.go"), Line: 11}}
	pp := benchResult(capEnv(), p, decls, &benchRun{stdout: bench, cpu: "testdata/captured/cpu.pprof", mem: "testdata/captured/mem.pprof"})
	rep := &reports.Report{Profiles: pp.Profiles, Escapes: esc.Escapes,
		Checks: []reports.Check{{ID: "escape", Status: reports.StatusPass, Measures: []string{"memory"}, Findings: esc.Findings},
			{ID: "pprof", Status: reports.StatusPass, Measures: []string{"performance"}, Findings: pp.Findings}}}
	JoinHotEscapes(rep)
	reports.Score(rep, nil)
	MemoryHeadline(rep)
	e := rep.Escapes[0]
	if e.File != "hot/hot.go" || e.Line != 12 || e.Hot || !e.Returned || e.Heat < 0.9 {
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

func TestBenchResultCaptured(t *testing.T) {
	bench, _ := os.ReadFile("testdata/captured/bench.txt")
	env := capEnv()
	p := &Package{ImportPath: "example.com/m/hot", Dir: filepath.Join(capRoot, "hot"), Name: "hot"}
	decls := []benchDecl{{Name: "BenchmarkSum", File: filepath.Join(capRoot, "hot/hot_test.go"), Line: 11}}
	run := &benchRun{stdout: bench, cpu: "testdata/captured/cpu.pprof", mem: "testdata/captured/mem.pprof"}
	res := benchResult(env, p, decls, run)
	f := rtFindingAt(res.Findings, "hot-alloc", "hot/hot_test.go", 11)
	if f == nil || f.Severity != reports.SevWarning || !strings.Contains(f.Message, "at hot/hot.go:12 in hot.Parse") {
		t.Fatalf("hot-alloc finding missing or wrong:\n%s", rtDump(res.Findings))
	}
	if len(res.Profiles) != 2 || res.Profiles[0].Kind != "cpu" || res.Profiles[1].Kind != "alloc_space" {
		t.Fatalf("profiles = %+v", res.Profiles)
	}
	alloc := res.Profiles[1]
	if alloc.Top[0].Func != "example.com/m/hot.Parse" || alloc.Top[0].File != "hot/hot.go" || alloc.Top[0].Line != 12 || alloc.Top[0].StartLine != 11 || alloc.Top[0].Pct < 90 {
		t.Errorf("top alloc = %+v", alloc.Top[0])
	}
	if len(alloc.Stacks) == 0 || len(res.Artifacts) != 2 {
		t.Errorf("stacks %d artifacts %+v", len(alloc.Stacks), res.Artifacts)
	}
	// The join: Parse's escape at hot.go:12 is hot through both profiles.
	rep := &reports.Report{Profiles: res.Profiles,
		Escapes: []reports.Escape{{File: "hot/hot.go", Line: 12, Function: "example.com/m/hot.Parse", FuncLine: 11}, {File: "esc/esc.go", Line: 15, Function: "example.com/m/esc.Store", FuncLine: 14}},
		Checks:  []reports.Check{{ID: "escape", Findings: []reports.Finding{{Rule: "heap-escape", Severity: reports.SevInfo, File: "hot/hot.go", Line: 12, Message: "&Point{} escapes to heap"}, {Rule: "moved-to-heap", Severity: reports.SevInfo, File: "esc/esc.go", Line: 15}}}}}
	// A line of the hot function that no recorded sample passes through (as
	// an error branch that never runs), and a leaking parameter: neither is hot.
	rep.Escapes = append(rep.Escapes,
		reports.Escape{File: "hot/hot.go", Line: 15, Code: "escape", Function: "example.com/m/hot.Parse", FuncLine: 11},
		reports.Escape{File: "hot/hot.go", Line: 11, Code: "leak", Function: "example.com/m/hot.Parse", FuncLine: 11},
		reports.Escape{File: "hot/hot.go", Line: 12, Code: "escape", Function: "example.com/m/hot.Parse", FuncLine: 11, Flow: []string{"from \"boom\" (spill)", "from panic(\"boom\") (call parameter)"}})
	if len(alloc.Lines) == 0 || alloc.Lines[0].File != "hot/hot.go" || alloc.Lines[0].Line != 12 && alloc.Lines[0].Line != 24 {
		t.Errorf("alloc lines = %+v", alloc.Lines)
	}
	JoinHotEscapes(rep)
	if !rep.Escapes[0].Hot || rep.Escapes[0].Heat < 0.9 || rep.Escapes[0].Line != 12 {
		t.Errorf("escapes after join = %+v", rep.Escapes)
	}
	for _, e := range rep.Escapes[1:] {
		if e.Hot {
			t.Errorf("escape %s:%d (%s) is hot", e.File, e.Line, e.Code)
		}
	}
	hf := rep.Checks[0].Findings
	if hf[0].Severity != reports.SevWarning || hf[0].Rule != "hot-heap-escape" || hf[1].Severity != reports.SevInfo {
		t.Errorf("findings after join = %+v", hf)
	}
	// Weighted by heat: ≥ FullHeat costs a full warning, a cold one is unweighted info.
	if hf[0].Weight != HeatWeight(rep.Escapes[0].Heat) || hf[0].Weight != 1 || hf[1].Weight != 0 {
		t.Errorf("weights after join = %v, %v (heat %v)", hf[0].Weight, hf[1].Weight, rep.Escapes[0].Heat)
	}
}

func TestHeatWeight(t *testing.T) {
	for heat, want := range map[float64]float64{0: 0, 0.01: 0.1, 0.05: 0.5, 0.10: 1, 0.9: 1} {
		if got := HeatWeight(heat); got < want-1e-9 || got > want+1e-9 {
			t.Errorf("HeatWeight(%v) = %v, want %v", heat, got, want)
		}
	}
}

func TestJoinByStartLineAndGenerics(t *testing.T) {
	rep := &reports.Report{
		Profiles: []reports.ProfileTop{{Kind: "cpu", Total: 100, Top: []reports.ProfileFunc{
			{Func: "m/p.(*List[...]).Push", Cum: 40},
			// An inlined nested closure gets another name; its start line matches.
			{Func: "m/p.F.F.func1.func2", File: "p/p.go", StartLine: 30, Cum: 20},
			{Func: "m/p.Cold", Cum: 0},
		}}},
		Escapes: []reports.Escape{
			{File: "p/p.go", Line: 10, Function: "m/p.(*List[go.shape.int]).Push", FuncLine: 9},
			{File: "p/p.go", Line: 31, Function: "m/p.F.func1.2", FuncLine: 30},
			{File: "p/p.go", Line: 50, Function: "m/p.Cold", FuncLine: 49},
		},
	}
	JoinHotEscapes(rep)
	hot := map[int]float64{}
	for _, e := range rep.Escapes {
		if e.Hot {
			hot[e.Line] = e.Heat
		}
	}
	if hot[10] != 0.4 || hot[31] != 0.2 || len(hot) != 2 {
		t.Errorf("hot = %v, want line 10 at 0.4 and 31 at 0.2", hot)
	}
	if rep.Escapes[0].Line != 10 {
		t.Error("escapes not sorted by heat")
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
