package checks

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/internal/testclose"
	"github.com/gocap/gocap/reports"
)

// rtWant is one `// want "regexp"` mark: a finding whose "rule message"
// matches the regexp must sit at that file:line.
type rtWant struct {
	file string
	line int
	re   *regexp.Regexp
}

var rtWantRe = regexp.MustCompile(`// want "((?:[^"\\]|\\.)*)"`)

// rtWants reads the want marks of the Go files in the given folders of a
// testdata module (file names relative to root).
func rtWants(t *testing.T, root string, dirs ...string) []rtWant {
	t.Helper()
	var out []rtWant
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(root, d, "*.go"))
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(fh)
			for n := 1; sc.Scan(); n++ {
				for _, m := range rtWantRe.FindAllStringSubmatch(sc.Text(), -1) {
					pat, err := strconv.Unquote(`"` + m[1] + `"`)
					if err != nil {
						t.Fatalf("%s:%d: bad want %q", f, n, m[1])
					}
					rel, _ := filepath.Rel(root, f)
					out = append(out, rtWant{file: filepath.ToSlash(rel), line: n, re: regexp.MustCompile(pat)})
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			testclose.OK(t, f, fh)
		}
	}
	return out
}

// runtimeDirs are the defects packages planted for the race, escape and
// pprof legs.
var runtimeDirs = []string{"racy", "hot", "failing"}

func TestRuntimeLegsOnDefects(t *testing.T) {
	root, _ := filepath.Abs("testdata/defects")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{Dir: root, Checks: testChecks, Only: []string{"race", "escape", "pprof"}, BenchTime: "100ms", Timeout: 4 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	scored(rep)
	wants := rtWants(t, root, runtimeDirs...)
	if len(wants) < 4 {
		t.Fatalf("only %d want marks found", len(wants))
	}
	all := rep.Findings()
	for _, w := range wants {
		found := false
		for _, f := range all {
			if f.File == w.file && f.Line == w.line && w.re.MatchString(f.Rule+" "+f.Message) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s:%d: no finding matching %q; findings:\n%s", w.file, w.line, w.re, rtDump(all))
		}
	}
	// Every warning or error in the planted packages is expected.
	for _, f := range all {
		if f.Severity == reports.SevInfo || !rtInDirs(f.File, runtimeDirs) {
			continue
		}
		ok := false
		for _, w := range wants {
			if w.file == f.File && w.line == f.Line && w.re.MatchString(f.Rule+" "+f.Message) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("unexpected %s %s at %s:%d: %s", f.Severity, f.Rule, f.File, f.Line, f.Message)
		}
	}
	for _, id := range []string{"race", "escape", "pprof"} {
		if c := rep.Check(id); c == nil || c.Status == reports.StatusError || c.Status == reports.StatusSkipped {
			t.Errorf("check %s: %+v", id, c)
		}
	}
	// The race carries both accesses, stacks and creation sites.
	var race *reports.Race
	for i := range rep.Races {
		if rep.Races[i].Package == "example.com/defects/racy" {
			race = &rep.Races[i]
		}
	}
	if race == nil || race.Test != "TestIncAll" || len(race.Accesses) != 2 || race.Accesses[0].Location == nil || len(race.Accesses[0].Created) == 0 {
		t.Errorf("race = %+v", race)
	}
	// The escape in hot.Parse is the hottest and heads the memory dimension.
	if len(rep.Escapes) == 0 || !rep.Escapes[0].Hot || rep.Escapes[0].File != "hot/hot.go" || rep.Escapes[0].Function != "example.com/defects/hot.Parse" {
		t.Errorf("hottest escape = %+v", rep.Escapes)
	}
	if d := rep.Dimension("memory"); d == nil || !strings.Contains(d.Summary, "hot escapes, hottest hot/hot.go:14 hot.Parse") {
		t.Errorf("memory dimension = %+v", d)
	}
	// The benchmark numbers and the profiles on disk.
	var names []string
	for _, b := range rep.Benchmarks {
		names = append(names, b.Name)
	}
	if len(rep.Benchmarks) != 3 || strings.Join(names, ",") != "BenchmarkSum,BenchmarkText/label,BenchmarkText/pad" || rep.Benchmarks[0].AllocsPerOp != 4 || rep.Benchmarks[0].NsPerOp <= 0 {
		t.Errorf("benchmarks = %+v", rep.Benchmarks)
	}
	// Each benchmark carries its own allocation lines: Sum's are Parse's.
	if al := rep.Benchmarks[0].AllocLines; len(al) == 0 || al[0].File != "hot/hot.go" || al[0].Line != 14 || al[0].PerOp < 3.5 || al[0].PerOp > 4.5 {
		t.Errorf("BenchmarkSum's allocation lines = %+v", al)
	}
	kinds := map[string]bool{}
	for _, a := range rep.Artifacts {
		kinds[a.Kind] = true
		if _, err := os.Stat(a.Path); err != nil {
			t.Errorf("artifact %s: %v", a.Path, err)
		}
	}
	if !kinds["cpu-profile"] || !kinds["mem-profile"] || !kinds["test-binary"] {
		t.Fatalf("artifacts = %+v", rep.Artifacts)
	}
	// go tool pprof opens the kept files.
	art := map[string]string{}
	for _, a := range rep.Artifacts {
		art[a.Kind] = a.Path
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-sample_index=alloc_space", art["test-binary"], art["mem-profile"]).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "example.com/defects/hot.Parse") {
		t.Errorf("go tool pprof: %v\n%s", err, out)
	}
	if len(rep.Artifacts) > 0 {
		if err := os.RemoveAll(filepath.Dir(filepath.Dir(rep.Artifacts[0].Path))); err != nil {
			t.Errorf("remove the profile folder: %v", err)
		}
	}
}

func rtInDirs(file string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(file, d+"/") {
			return true
		}
	}
	return false
}

func TestRuntimeLegsOnClean(t *testing.T) {
	root, _ := filepath.Abs("testdata/clean")
	// --out is relative to where gocap runs, not to the module root.
	out := t.TempDir()
	t.Chdir(out)
	rep, err := Run(context.Background(), Options{Dir: root, Checks: testChecks, Only: []string{"race", "escape", "pprof"}, OutDir: "report", BenchTime: "50ms", Timeout: 4 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	scored(rep)
	for _, f := range rep.Findings() {
		if f.Severity != reports.SevInfo {
			t.Errorf("clean module: %s %s at %s:%d: %s", f.Severity, f.Rule, f.File, f.Line, f.Message)
		}
	}
	for _, d := range []string{"concurrency", "memory", "performance"} {
		if dd := rep.Dimension(d); dd == nil || dd.Score == nil {
			t.Errorf("dimension %s not measured: %+v", d, dd)
		}
	}
	// With --out a folder, profiles land under it with relative paths.
	for _, a := range rep.Artifacts {
		if filepath.IsAbs(a.Path) || !strings.HasPrefix(a.Path, "pprof/") {
			t.Errorf("artifact path %q, want relative under pprof/", a.Path)
		}
		if _, err := os.Stat(filepath.Join(out, "report", a.Path)); err != nil {
			t.Error(err)
		}
	}
	if len(rep.Artifacts) != 3 {
		t.Errorf("artifacts = %+v", rep.Artifacts)
	}
}

func TestRuntimeLegsSkipWithoutTestsOrBenchmarks(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "go.mod", "module example.com/none\n\ngo 1.26\n")
	writeFixture(t, dir, "none.go", "package none\n\n// One is one.\nfunc One() int { return 1 }\n")
	rep, err := Run(context.Background(), Options{Dir: dir, Checks: testChecks, Only: []string{"race", "pprof"}, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	scored(rep)
	if c := rep.Check("race"); c.Status != reports.StatusSkipped || c.Summary != "no tests" {
		t.Errorf("race = %+v", c)
	}
	if c := rep.Check("pprof"); c.Status != reports.StatusSkipped || c.Summary != "no benchmarks" {
		t.Errorf("pprof = %+v", c)
	}
	for _, id := range []string{"concurrency", "performance"} {
		if d := rep.Dimension(id); d == nil || d.Score != nil || !strings.HasPrefix(d.Summary, "not measured") {
			t.Errorf("dimension %s = %+v, want not measured", id, d)
		}
	}
}

// TestRuntimeLegsBrokenModule runs the legs on a module with a failing
// benchmark, a package that does not compile and its importer: every problem
// is reported once and the healthy benchmark still is measured.
func TestRuntimeLegsBrokenModule(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) { writeFixture(t, dir, name, src) }
	write("go.mod", "module example.com/broken\n\ngo 1.26\n")
	write("bench/bench.go", "package bench\n\n// Double doubles.\nfunc Double(x int) int { return 2 * x }\n")
	write("bench/bench_test.go", `package bench

import "testing"

func BenchmarkBad(b *testing.B) {
	b.Fatal("boom")
}

func BenchmarkGood(b *testing.B) {
	for b.Loop() {
		Double(3)
	}
}
`)
	write("bad/bad.go", "package bad\n\n// N is broken.\nfunc N() int { return \"x\" }\n")
	write("bad/bad_test.go", "package bad\n\nimport \"testing\"\n\nfunc TestN(t *testing.T) { N() }\n")
	write("user/user.go", "package user\n\nimport \"example.com/broken/bad\"\n\n// M uses bad.\nfunc M() int { return bad.N() }\n")
	write("user/user_test.go", "package user\n\nimport \"testing\"\n\nfunc TestM(t *testing.T) { M() }\n")
	rep, err := Run(context.Background(), Options{Dir: dir, Checks: testChecks, Only: []string{"race", "escape", "pprof"}, BenchTime: "10ms", Timeout: 4 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	fs := rep.Findings()
	if f := rtFindingAt(fs, "bench-failed", "bench/bench_test.go", 5); f == nil || f.Severity != reports.SevError {
		t.Errorf("no bench-failed finding at bench/bench_test.go:5:\n%s", rtDump(fs))
	}
	builds := 0
	for _, f := range fs {
		if f.Rule == "build-failed" {
			builds++
			if f.File != "bad/bad.go" || f.Line != 4 {
				t.Errorf("build-failed at %s:%d", f.File, f.Line)
			}
		}
	}
	if builds != 1 {
		t.Errorf("%d build-failed findings, want 1 (bad's error breaks bad and user):\n%s", builds, rtDump(fs))
	}
	if len(rep.Benchmarks) != 1 || rep.Benchmarks[0].Name != "BenchmarkGood" {
		t.Errorf("benchmarks = %+v", rep.Benchmarks)
	}
	if c := rep.Check("escape"); c.Status != reports.StatusPass || !strings.Contains(c.Summary, "did not build") {
		t.Errorf("escape = %+v", c)
	}
	if len(rep.Artifacts) > 0 {
		if err := os.RemoveAll(filepath.Dir(filepath.Dir(rep.Artifacts[0].Path))); err != nil {
			t.Errorf("remove the profile folder: %v", err)
		}
	}
}

// A benchmark whose name holds a slash is profiled alone: route:/a/b,
// whose name continues route:/a's, does not run (nor allocate) in
// route:/a's run (chi's BenchmarkMux/route:/sharing/z/aBc ran four).
func TestBenchmarkNamesWithSlashes(t *testing.T) {
	root, _ := filepath.Abs("testdata/slashbench")
	rep, err := Run(context.Background(), Options{Dir: root, Checks: testChecks, Only: []string{"pprof"}, BenchTime: "20ms", Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*reports.Benchmark{}
	for i := range rep.Benchmarks {
		got[rep.Benchmarks[i].Name] = &rep.Benchmarks[i]
	}
	a, ab := got["BenchmarkRoute/route:/a"], got["BenchmarkRoute/route:/a/b"]
	if a == nil || ab == nil {
		t.Fatalf("benchmarks %v, want BenchmarkRoute/route:/a and .../route:/a/b", rep.Benchmarks)
	}
	if len(a.AllocLines) != 0 {
		t.Errorf("route:/a charged with %+v: route:/a/b ran in its run", a.AllocLines)
	}
	if len(ab.AllocLines) == 0 || ab.AllocsPerOp != 1 {
		t.Errorf("route:/a/b: %v allocs/op, lines %+v, want 1 at sb.go:9", ab.AllocsPerOp, ab.AllocLines)
	}
}
