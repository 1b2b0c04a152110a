package checks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"

	"github.com/gocap/gocap/checks/internal/profiles"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/reports"
)

// Pprof runs the module's benchmarks with CPU and allocation profiles.
var Pprof = &Check{
	ID:   "pprof",
	Name: "benchmarks and profiles",
	Doc: `benchmarks with CPU and allocation profiles

For each package with benchmarks, one at a time (profiles are per test
binary), runs go test -run ^$ -bench . -benchmem -benchtime T -count N
-cpuprofile -memprofile, reads the results with golang.org/x/perf/benchfmt
(the centre is benchmath's median when N > 1) and the profiles with
github.com/google/pprof/profile: ns/op, B/op and allocs/op per benchmark, the
top CPU functions and allocation sites, and the heaviest stacks. The raw
profiles and the test binary are kept (in --out's folder under pprof/, else
the module's last three runs under gocap's cache folder, see CacheDir) so go
tool pprof opens them.

Rules: "hot-alloc" (warning) — a benchmark allocates (allocs/op ≥ 1) and at
least half of the bytes allocated under it come from one line of the
module's non-test code: the hot path allocates, and that line is named.
"allocs" (info) — a benchmark allocates, spread over many sites or in test
or library code. "bench-failed" (error) — a benchmark failed. The numbers are
measured while the other legs run: for stable ones run --checks pprof with
--bench-count 10. Modules without benchmarks are skipped ("no benchmarks").`,
	URL:      "https://pkg.go.dev/runtime/pprof",
	Measures: []string{reports.DimPerformance},
	Needs:    NeedBenchmarks,
	Run:      runPprof,
}

// HotAllocShare is the share of a benchmark's allocated bytes one line of
// the module's code must carry for the "hot-alloc" warning.
const HotAllocShare = 0.5

// maxProfileLines caps the module lines a ProfileTop lists.
const maxProfileLines = 500

// topFuncs is how many functions a ProfileTop lists by flat value (module
// functions above HotThreshold cumulative are always added).
const topFuncs = 20

const (
	hotAllocHint    = "this line allocates on every iteration of the benchmarked path; keep the value on the stack (return by value, avoid interfaces/closures), preallocate, or reuse buffers"
	allocsHint      = "allocations cost allocator time and GC work on every call; check go test -bench -memprofile and reduce them where the path is hot"
	benchFailedHint = "a failing benchmark measures nothing; run it with go test -run ^$ -bench NAME and fix the failure"
)

// benchDecl is a benchmark function found in a test file.
type benchDecl struct {
	Name string
	File string // absolute
	Line int
}

// findBenchmarks parses the test files of p for func BenchmarkXxx(*testing.B).
func findBenchmarks(p *Package) []benchDecl {
	var out []benchDecl
	fset := token.NewFileSet()
	for _, name := range append(append([]string{}, p.TestGoFiles...), p.XTestGoFiles...) {
		path := filepath.Join(p.Dir, name)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !isBenchName(fd.Name.Name) || fd.Type.Params == nil || len(fd.Type.Params.List) != 1 {
				continue
			}
			if se, ok := fd.Type.Params.List[0].Type.(*ast.StarExpr); !ok || !isTestingB(se.X) {
				continue
			}
			out = append(out, benchDecl{Name: fd.Name.Name, File: path, Line: fset.Position(fd.Pos()).Line})
		}
	}
	return out
}

func isBenchName(s string) bool {
	rest, ok := strings.CutPrefix(s, "Benchmark")
	return ok && (rest == "" || !(rest[0] >= 'a' && rest[0] <= 'z'))
}

func isTestingB(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "B"
}

func runPprof(ctx context.Context, env *Env) (res *Result, err error) {
	pkgs, err := env.Packages(ctx)
	if err != nil {
		return nil, err
	}
	var targets []benchTarget
	for _, p := range pkgs {
		if bs := findBenchmarks(p); len(bs) > 0 {
			targets = append(targets, benchTarget{p, bs})
		}
	}
	if len(targets) == 0 {
		return &Result{Skipped: true, Summary: "no benchmarks"}, nil
	}
	base, outDir := "", ""
	if env.OutDir != "" {
		// go test runs in the module root: every path it gets is absolute.
		if outDir, err = filepath.Abs(env.OutDir); err != nil {
			return nil, err
		}
		base = filepath.Join(outDir, "pprof")
		if err := os.MkdirAll(base, 0o755); err != nil {
			return nil, fmt.Errorf("%w: %w", cmdutil.ErrUsage, err)
		}
	} else {
		// Kept after the run (the report lists the files) unless the run
		// fails; only the last keepRuns runs of a module are kept.
		if base, err = profileRunDir(env.Module); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				err = errors.Join(err, os.RemoveAll(base))
			}
		}()
	}
	return benchAll(ctx, env, base, outDir, targets)
}

// keepRuns is how many runs' profiles (and test binaries) gocap keeps per
// module when no --out folder is given.
const keepRuns = 3

// profileRunDir makes a folder for this run's profiles under gocap's cache
// (CacheDir()/pprof/<module>/run-*, else $TMPDIR/gocap-pprof/<module>/run-*)
// and removes the module's older runs beyond keepRuns, so test binaries do
// not pile up.
func profileRunDir(module string) (string, error) {
	root := filepath.Join(os.TempDir(), "gocap-pprof")
	if c := CacheDir(); c != "" {
		root = filepath.Join(c, "pprof")
	}
	root = filepath.Join(root, strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(module))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(root, "run-")
	if err != nil {
		return "", err
	}
	entries, _ := os.ReadDir(root)
	type run struct {
		path string
		mod  time.Time
	}
	var runs []run
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() && strings.HasPrefix(e.Name(), "run-") {
			runs = append(runs, run{filepath.Join(root, e.Name()), info.ModTime()})
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].mod.After(runs[j].mod) })
	for i, r := range runs {
		if i >= keepRuns && r.path != dir {
			_ = os.RemoveAll(r.path) // pruning is best effort: a run left over is pruned next time
		}
	}
	return dir, nil
}

type benchTarget struct {
	pkg     *Package
	benches []benchDecl
}

// benchAll runs the targets' benchmarks one package at a time into base;
// artifact paths are made relative to outDir when it is set.
func benchAll(ctx context.Context, env *Env, base, outDir string, targets []benchTarget) (*Result, error) {
	res := &Result{}
	failedBuilds := 0
	for i, t := range targets {
		env.progress("pprof", fmt.Sprintf("benchmarks %d/%d: %s", i+1, len(targets), t.pkg.ImportPath))
		dir := filepath.Join(base, strings.NewReplacer("/", "_", "\\", "_").Replace(t.pkg.ImportPath))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		out, err := runBenchmarks(ctx, env, t.pkg, dir)
		if err != nil {
			return nil, err
		}
		if out.buildFailed {
			failedBuilds++
		}
		pr := benchResult(env, t.pkg, t.benches, out)
		res.Benchmarks = append(res.Benchmarks, pr.Benchmarks...)
		res.Profiles = append(res.Profiles, pr.Profiles...)
		res.Findings = append(res.Findings, pr.Findings...)
		for _, a := range pr.Artifacts {
			a.Path = relTo(outDir, a.Path)
			res.Artifacts = append(res.Artifacts, a)
		}
		for j := range res.Profiles {
			res.Profiles[j].Path = relTo(outDir, res.Profiles[j].Path)
		}
	}
	hot := 0
	for _, f := range res.Findings {
		if f.Rule == "hot-alloc" {
			hot++
		}
	}
	verb := "allocate"
	if hot == 1 {
		verb = "allocates"
	}
	res.Summary = fmt.Sprintf("%s in %s, %d %s in a hot path; profiles in %s", count(len(res.Benchmarks), "benchmark", "benchmarks"),
		count(len(targets), "package", "packages"), hot, verb, base)
	if failedBuilds > 0 {
		res.Summary += fmt.Sprintf("; %d packages did not build", failedBuilds)
	}
	return res, nil
}

// relTo makes an absolute path relative to dir (slash-separated) when dir is
// set and holds it.
func relTo(dir, path string) string {
	if dir == "" || !filepath.IsAbs(path) {
		return path
	}
	if r, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}

// benchRun is the raw outcome of one package's benchmark run.
type benchRun struct {
	stdout      []byte
	cpu, mem    string // profile paths, "" when not written
	binary      string
	buildFailed bool
	failed      bool
}

func runBenchmarks(ctx context.Context, env *Env, p *Package, dir string) (*benchRun, error) {
	r := &benchRun{cpu: filepath.Join(dir, "cpu.pprof"), mem: filepath.Join(dir, "mem.pprof"), binary: filepath.Join(dir, p.Name+".test")}
	for _, f := range []string{r.cpu, r.mem, r.binary} {
		// Stale files from an earlier run must not be read as this run's.
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("remove the file of an earlier run: %w", err)
		}
	}
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem",
		"-benchtime", env.BenchTime, "-count", fmt.Sprint(env.BenchCount),
		"-cpuprofile", r.cpu, "-memprofile", r.mem, "-o", r.binary,
		"-timeout", env.Timeout.String(), p.ImportPath}
	cmd := env.goCommand(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	r.stdout = stdout.Bytes()
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, fmt.Errorf("%w: go test -bench: %w", cmdutil.ErrTool, err)
		}
		r.failed = true
		if _, serr := os.Stat(r.binary); serr != nil {
			r.buildFailed = true
		}
	}
	for _, f := range []*string{&r.cpu, &r.mem, &r.binary} {
		if _, err := os.Stat(*f); err != nil {
			*f = ""
		}
	}
	return r, nil
}

var benchFailRe = regexp.MustCompile(`^--- FAIL: (Benchmark\S*)`)

// benchResult turns one package's benchmark output and profiles into
// benchmarks, profile tops and findings.
func benchResult(env *Env, p *Package, decls []benchDecl, run *benchRun) *Result {
	res := &Result{}
	res.Benchmarks = parseBenchmarks(p.ImportPath, bytes.NewReader(run.stdout))
	declOf := map[string]benchDecl{}
	for _, d := range decls {
		declOf[d.Name] = d
	}
	locate := func(f *reports.Finding, bench string) {
		if d, ok := declOf[strings.SplitN(bench, "/", 2)[0]]; ok {
			f.File, f.Line, f.Function = env.Rel(d.File), d.Line, p.ImportPath+"."+d.Name
		}
	}
	for _, l := range strings.Split(string(run.stdout), "\n") {
		if m := benchFailRe.FindStringSubmatch(l); m != nil {
			f := reports.Finding{Rule: "bench-failed", Dimension: reports.DimPerformance, Severity: reports.SevError,
				Message: fmt.Sprintf("%s failed", m[1]), Hint: benchFailedHint}
			locate(&f, m[1])
			res.Findings = append(res.Findings, f)
		}
	}
	if run.cpu != "" {
		res.Artifacts = append(res.Artifacts, reports.Artifact{Kind: "cpu-profile", Path: run.cpu})
		if top, err := profileTop(env, p.ImportPath, run.cpu, "cpu"); err == nil {
			res.Profiles = append(res.Profiles, *top)
		}
	}
	if run.mem != "" {
		res.Artifacts = append(res.Artifacts, reports.Artifact{Kind: "mem-profile", Path: run.mem})
		if top, err := profileTop(env, p.ImportPath, run.mem, "alloc_space"); err == nil {
			res.Profiles = append(res.Profiles, *top)
		}
	}
	if run.binary != "" {
		res.Artifacts = append(res.Artifacts, reports.Artifact{Kind: "test-binary", Path: run.binary})
	}
	sites := allocSites(env, run.mem)
	for _, b := range res.Benchmarks {
		if b.AllocsPerOp < 1 {
			continue
		}
		f := reports.Finding{Dimension: reports.DimPerformance, Severity: reports.SevInfo, Rule: "allocs", Hint: allocsHint,
			Message: fmt.Sprintf("%s allocates %s times per op (%s B/op)", b.Name, num(b.AllocsPerOp), num(b.BytesPerOp))}
		locate(&f, b.Name)
		if s, share, ok := sites(strings.SplitN(b.Name, "/", 2)[0]); ok && share >= HotAllocShare {
			f.Severity, f.Rule, f.Hint = reports.SevWarning, "hot-alloc", hotAllocHint
			f.Message += fmt.Sprintf("; %.0f%% of its bytes are allocated at %s:%d in %s", share*100, s.File, s.Line, shortFunc(s.Func))
		}
		res.Findings = append(res.Findings, f)
	}
	return res
}

// allocSites returns a function giving, for a benchmark function name, the
// allocation site in the module's non-test code that carries the largest
// share of the bytes allocated under that benchmark.
func allocSites(env *Env, memPath string) func(bench string) (profiles.Site, float64, bool) {
	none := func(string) (profiles.Site, float64, bool) { return profiles.Site{}, 0, false }
	if memPath == "" {
		return none
	}
	prof, err := profiles.Load(memPath)
	if err != nil {
		return none
	}
	own := func(fr profiles.Frame) bool { return env.ownFile(fr.File) && !strings.HasSuffix(fr.File, "_test.go") }
	return func(bench string) (profiles.Site, float64, bool) {
		under := func(fr profiles.Frame) bool {
			n := fr.Func[strings.LastIndexByte(fr.Func, '/')+1:]
			_, n, _ = strings.Cut(n, ".")
			return n == bench || strings.HasPrefix(n, bench+".")
		}
		total, sites, err := profiles.Sites(prof, "alloc_space", under, own)
		if err != nil || total == 0 || len(sites) == 0 || !own(profiles.Frame{File: sites[0].File}) {
			return profiles.Site{}, 0, false
		}
		s := sites[0]
		s.File = env.Rel(s.File)
		return s, float64(s.Value) / float64(total), true
	}
}

func num(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.3g", v)
}

// parseBenchmarks reads go test -bench output with benchfmt and groups the
// runs of each benchmark; with several runs the reported numbers are
// benchmath's median.
func parseBenchmarks(pkg string, r io.Reader) []reports.Benchmark {
	br := benchfmt.NewReader(r, pkg)
	byName := map[string]*reports.Benchmark{}
	custom := map[string][]reports.Metric{}
	var order []string
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		name := benchName(res.Name)
		b := byName[name]
		if b == nil {
			p := res.GetConfig("pkg")
			if p == "" {
				p = pkg
			}
			b = &reports.Benchmark{Package: p, Name: name}
			byName[name] = b
			order = append(order, name)
		}
		run := reports.BenchRun{Iterations: int64(res.Iters)}
		if v, ok := res.Value("sec/op"); ok {
			run.NsPerOp = v * 1e9
		} else if v, ok := res.Value("ns/op"); ok {
			run.NsPerOp = v
		}
		run.BytesPerOp, _ = res.Value("B/op")
		run.AllocsPerOp, _ = res.Value("allocs/op")
		b.Samples = append(b.Samples, run)
		for _, v := range res.Values { // b.ReportMetric's own units
			switch v.Unit {
			case "sec/op", "ns/op", "B/op", "allocs/op":
			default:
				custom[name] = append(custom[name], reports.Metric{Name: v.Unit, Value: v.Value, Unit: v.Unit})
			}
		}
	}
	out := make([]reports.Benchmark, 0, len(order))
	for _, name := range order {
		b := byName[name]
		b.Runs = len(b.Samples)
		b.NsPerOp = center(b.Samples, func(r reports.BenchRun) float64 { return r.NsPerOp })
		b.BytesPerOp = center(b.Samples, func(r reports.BenchRun) float64 { return r.BytesPerOp })
		b.AllocsPerOp = center(b.Samples, func(r reports.BenchRun) float64 { return r.AllocsPerOp })
		b.Metrics = customMetrics(custom[name])
		out = append(out, *b)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// customMetrics joins each b.ReportMetric unit's runs into its median, in
// the order the units first appear.
func customMetrics(ms []reports.Metric) []reports.Metric {
	var units []string
	vals := map[string][]reports.BenchRun{}
	for _, m := range ms {
		if _, ok := vals[m.Unit]; !ok {
			units = append(units, m.Unit)
		}
		vals[m.Unit] = append(vals[m.Unit], reports.BenchRun{NsPerOp: m.Value})
	}
	var out []reports.Metric
	for _, u := range units {
		out = append(out, reports.Metric{Name: u, Value: center(vals[u], func(r reports.BenchRun) float64 { return r.NsPerOp }), Unit: u})
	}
	return out
}

// benchName is the benchmark's name without the GOMAXPROCS suffix:
// BenchmarkX/size=10-2 is BenchmarkX/size=10.
func benchName(n benchfmt.Name) string {
	base, parts := n.Parts()
	var b strings.Builder
	b.WriteString("Benchmark")
	b.Write(base)
	for i, p := range parts {
		if i == len(parts)-1 && len(p) > 0 && p[0] == '-' {
			break
		}
		b.Write(p)
	}
	return b.String()
}

func center(runs []reports.BenchRun, val func(reports.BenchRun) float64) float64 {
	if len(runs) == 1 {
		return val(runs[0])
	}
	vs := make([]float64, len(runs))
	for i, r := range runs {
		vs[i] = val(r)
	}
	s := benchmath.NewSample(vs, &benchmath.DefaultThresholds)
	return benchmath.AssumeNothing.Summary(s, 0.95).Center
}

// profileTop reads a profile and reduces it to the report's ProfileTop.
func profileTop(env *Env, pkg, path, typ string) (*reports.ProfileTop, error) {
	prof, err := profiles.Load(path)
	if err != nil {
		return nil, err
	}
	s, err := profiles.Summarize(prof, typ)
	if err != nil {
		return nil, err
	}
	kind := typ
	top := &reports.ProfileTop{Package: pkg, Kind: kind, Unit: s.Unit, Total: s.Total, Path: path}
	for i, f := range s.Funcs {
		own := env.ownFile(f.File)
		hot := s.Total > 0 && float64(f.Cum)/float64(s.Total) >= HotThreshold
		if i >= topFuncs && !(own && hot) {
			continue
		}
		file := f.File
		if own {
			file = env.Rel(file)
		}
		pct := 0.0
		if s.Total > 0 {
			pct = 100 * float64(f.Flat) / float64(s.Total)
		}
		top.Top = append(top.Top, reports.ProfileFunc{Func: f.Name, File: file, Line: f.Line, StartLine: f.StartLine, Flat: f.Flat, Cum: f.Cum, Pct: pct})
	}
	for _, l := range s.Lines {
		if len(top.Lines) == maxProfileLines {
			break
		}
		if env.ownFile(l.File) {
			top.Lines = append(top.Lines, reports.ProfileLine{File: env.Rel(l.File), Line: l.Line, Func: l.Func, Cum: l.Cum})
		}
	}
	for i, st := range s.Stacks {
		if i == 20 {
			break
		}
		top.Stacks = append(top.Stacks, reports.ProfileStack{Funcs: st.Funcs, Value: st.Value})
	}
	return top, nil
}
