package checks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/rogpeppe/go-internal/lockedfile"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"

	"github.com/gocap/gocap/checks/internal/funcname"
	"github.com/gocap/gocap/checks/internal/profiles"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/reports"
)

// Pprof runs the module's benchmarks with CPU and allocation profiles.
var Pprof = &Check{
	ID:   "pprof",
	Name: "benchmarks and profiles",
	Doc: `benchmarks with CPU and allocation profiles, one benchmark at a time

For each package with benchmarks: builds the test binary (go test -c, beside
the race leg), then, holding the runtime lock (tests never run beside
benchmarks), lists the benchmarks with one run of one iteration each
(sub-benchmarks included) and runs every leaf benchmark in a process of its
own with -test.benchmem -test.benchtime T -test.count N -test.cpuprofile
-test.memprofile and a -test.memprofilerate chosen to give its profile about
TargetAllocSamples samples. Results are read with golang.org/x/perf/benchfmt
(the centre is benchmath's median when N > 1) and the profiles with
github.com/google/pprof/profile: ns/op, B/op and allocs/op per benchmark, the
lines of the module's non-test code allocating under each (allocations per
op, Benchmark.AllocLines), the top CPU functions and allocation sites, and
the heaviest stacks. The per-benchmark profiles are merged per package and
kept with the test binary (in --out's folder under pprof/, else the module's
last three runs under gocap's cache folder, see CacheDir) so go tool pprof
opens them.

Rules: "hot-alloc" (warning) — a line of the module's non-test code
allocates at least HotPerOp times per op of some benchmark (see HotPerOp for
why that holds still between runs): one finding per line, at that line,
naming the benchmarks that reach it; JoinHotEscapes folds it into the escape
finding at the same line when there is one. "returned-alloc" (info) — the
same, on a line that builds what its function returns. "allocs" (info) — a
benchmark allocates. "bench-failed" (error) — a benchmark failed. Modules
without benchmarks are skipped ("no benchmarks").`,
	URL:      "https://pkg.go.dev/runtime/pprof",
	Measures: []string{reports.DimPerformance},
	Needs:    NeedBenchmarks,
	Run:      runPprof,
}

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

// lineRange is the lines of a benchmark loop's body in a test file.
type lineRange struct {
	file       string // absolute
	start, end int
}

// findBenchmarks parses the test files of p for func BenchmarkXxx(*testing.B)
// and for the bodies of benchmark loops in any of their functions.
func findBenchmarks(p *Package) ([]benchDecl, []lineRange) {
	var out []benchDecl
	var loops []lineRange
	fset := token.NewFileSet()
	for _, name := range append(append([]string{}, p.TestGoFiles...), p.XTestGoFiles...) {
		path := filepath.Join(p.Dir, name)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if fs, ok := n.(*ast.ForStmt); ok && benchLoopCond(fs.Cond) {
				loops = append(loops, lineRange{path, fset.Position(fs.Body.Pos()).Line, fset.Position(fs.Body.End()).Line})
			}
			if rs, ok := n.(*ast.RangeStmt); ok && isSelector(rs.X, "N") {
				loops = append(loops, lineRange{path, fset.Position(rs.Body.Pos()).Line, fset.Position(rs.Body.End()).Line})
			}
			return true
		})
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
	return out, loops
}

// benchLoopCond reports whether a for condition is a benchmark loop's:
// b.Loop(), pb.Next(), or i < b.N.
func benchLoopCond(e ast.Expr) bool {
	switch c := e.(type) {
	case *ast.CallExpr:
		sel, ok := c.Fun.(*ast.SelectorExpr)
		return ok && len(c.Args) == 0 && (sel.Sel.Name == "Loop" || sel.Sel.Name == "Next")
	case *ast.BinaryExpr:
		return (c.Op == token.LSS || c.Op == token.LEQ) && isSelector(c.Y, "N")
	}
	return false
}

func isSelector(e ast.Expr, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == name
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
		if bs, loops := findBenchmarks(p); len(bs) > 0 {
			targets = append(targets, benchTarget{p, bs, loops})
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
			if err != nil && res == nil { // a partial result keeps its profiles
				err = errors.Join(err, os.RemoveAll(base))
			}
		}()
	}
	return benchAll(ctx, env, base, outDir, targets)
}

// fileName makes a module or import path one file name.
var fileName = strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace

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
	root = filepath.Join(root, fileName(module))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(root, "run-")
	if err != nil {
		return "", err
	}
	pruneDirs(root, "run-", keepRuns, dir)
	return dir, nil
}

type benchTarget struct {
	pkg     *Package
	benches []benchDecl
	loops   []lineRange
}

// benchAll builds the targets' test binaries (static work, beside the race
// leg), then, holding the runtime lock, runs their benchmarks one package at
// a time into base; artifact paths are made relative to outDir when set.
func benchAll(ctx context.Context, env *Env, base, outDir string, targets []benchTarget) (*Result, error) {
	res := &Result{}
	dirs := make([]string, len(targets))
	bins := make([]string, len(targets))
	failedBuilds := 0
	for i, t := range targets {
		env.progress("pprof", fmt.Sprintf("building test binary %d/%d: %s", i+1, len(targets), t.pkg.ImportPath))
		dirs[i] = filepath.Join(base, fileName(t.pkg.ImportPath))
		if err := os.MkdirAll(dirs[i], 0o755); err != nil {
			return nil, err
		}
		bin, err := buildBenchBinary(ctx, env, t.pkg, dirs[i])
		if err != nil {
			return nil, err
		}
		if bin == "" {
			failedBuilds++
		}
		bins[i] = bin
	}
	// Benchmarks never run beside tests (see runtime_lock.go).
	release, err := env.holdRuntime(ctx, "pprof")
	if err != nil {
		return nil, err
	}
	defer release()
	for i, t := range targets {
		if bins[i] == "" {
			continue
		}
		pr, err := benchPackage(ctx, env, t, bins[i], dirs[i], fmt.Sprintf("%d/%d", i+1, len(targets)))
		if err != nil {
			if ctx.Err() != nil && len(res.Benchmarks) > 0 {
				// Cut off: the packages measured so far are kept.
				res.Findings = append(res.Findings, hotAllocFindings(env, res.Benchmarks)...)
				res.Summary = fmt.Sprintf("%s measured before the cut", count(len(res.Benchmarks), "benchmark", "benchmarks"))
				return res, err
			}
			return nil, err
		}
		res.Benchmarks = append(res.Benchmarks, pr.Benchmarks...)
		res.Findings = append(res.Findings, pr.Findings...)
		for _, a := range pr.Artifacts {
			a.Path = relTo(outDir, a.Path)
			res.Artifacts = append(res.Artifacts, a)
		}
		for _, p := range pr.Profiles {
			p.Path = relTo(outDir, p.Path)
			res.Profiles = append(res.Profiles, p)
		}
	}
	res.Findings = append(res.Findings, hotAllocFindings(env, res.Benchmarks)...)
	hot := 0
	for _, f := range res.Findings {
		if f.Rule == "hot-alloc" {
			hot++
		}
	}
	res.Summary = fmt.Sprintf("%s in %s, %s allocating on every op; profiles in %s", count(len(res.Benchmarks), "benchmark", "benchmarks"),
		count(len(targets), "package", "packages"), count(hot, "line", "lines"), base)
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

// buildBenchBinary compiles p's test binary into dir (go test -c); "" when
// it does not build (the race leg reports the errors).
//
// The go command links a binary again unless its -o target is up to date
// (it reads the build ID in the file), so the binary is built in a folder of
// gocap's cache that outlives the run (benchBinCache) and copied into dir,
// beside the profiles it belongs to: an unchanged package costs no link
// (about half a second of CPU for a small package, beside the race leg).
func buildBenchBinary(ctx context.Context, env *Env, p *Package, dir string) (string, error) {
	bin := filepath.Join(dir, p.Name+".test")
	if err := os.Remove(bin); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("remove the file of an earlier run: %w", err)
	}
	target := bin
	if c := benchBinCache(env, p); c != "" {
		target = filepath.Join(c, p.Name+".test")
		// Another gocap on the same checkout builds the same binary:
		// one at a time, so that nobody copies a binary being written.
		unlock, err := lockedfile.MutexAt(filepath.Join(c, ".lock")).Lock()
		if err != nil {
			return "", fmt.Errorf("%w: locking the test binary cache: %w", cmdutil.ErrTool, err)
		}
		defer unlock()
	}
	cmd := env.goCommand(ctx, "test", "-c", "-o", target, p.ImportPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return "", fmt.Errorf("%w: go test -c: %w", cmdutil.ErrTool, err)
		}
		return "", nil
	}
	if _, err := os.Stat(target); err != nil {
		return "", nil // no test files after all
	}
	if target != bin {
		if err := copyExecutable(target, bin); err != nil {
			return "", fmt.Errorf("%w: keeping the test binary with the profiles: %w", cmdutil.ErrTool, err)
		}
	}
	return bin, nil
}

// benchBinCache is the folder of gocap's cache where p's benchmark binary is
// built, one per checkout of a module (two checkouts of one module hold
// different code) and package; "" without a cache (GOCAP_CACHE=off) or when
// it cannot be made. The keepCheckouts checkouts used last are kept.
func benchBinCache(env *Env, p *Package) string {
	c := CacheDir()
	if c == "" {
		return ""
	}
	root := filepath.Join(c, "testbin")
	sum := sha256.Sum256([]byte(env.Dir))
	checkout := filepath.Join(root, fileName(env.Module)+"-"+hex.EncodeToString(sum[:6]))
	d := filepath.Join(checkout, fileName(p.ImportPath))
	if err := os.MkdirAll(d, 0o755); err != nil {
		return ""
	}
	now := time.Now()
	_ = os.Chtimes(checkout, now, now) // best effort: only the pruning order depends on it
	pruneDirs(root, "", keepCheckouts, checkout)
	return d
}

// keepCheckouts is how many checkouts' benchmark binaries the cache keeps.
const keepCheckouts = 8

// pruneDirs removes the folders of root named with prefix beyond the keep
// most recently modified, never except. Best effort: what is left is pruned
// next time.
func pruneDirs(root, prefix string, keep int, except string) {
	entries, _ := os.ReadDir(root)
	type dir struct {
		path string
		mod  time.Time
	}
	var dirs []dir
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
			dirs = append(dirs, dir{filepath.Join(root, e.Name()), info.ModTime()})
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].mod.After(dirs[j].mod) })
	for i, d := range dirs {
		if i >= keep && d.path != except {
			_ = os.RemoveAll(d.path)
		}
	}
}

// copyExecutable copies from to a new file to (through a temporary file in
// to's folder, renamed into place: never a half-written binary). A copy, not
// a hard link: the go command rewrites its -o target in place.
func copyExecutable(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(to), "."+filepath.Base(to)+"-*")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, src)
	err = errors.Join(err, tmp.Chmod(0o755), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), to)
	}
	if err != nil {
		_ = os.Remove(tmp.Name()) // best effort: the error says what failed
	}
	return err
}

// runTestBinary runs a test binary in its package's folder (as go test
// does) and returns its standard output; a failing run is not an error (its
// output says which benchmark failed).
func runTestBinary(ctx context.Context, env *Env, bin, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return nil, fmt.Errorf("%w: %s: %w", cmdutil.ErrTool, filepath.Base(bin), err)
	}
	return stdout.Bytes(), nil
}

// Memory profile sampling. The runtime samples one allocation per
// MemProfileRate bytes on average (512 KiB by default): a benchmark
// allocating 48 B/op for 100 ms leaves a handful of samples, and a line's
// share of them moved from run to run. Each benchmark runs with a rate chosen
// from its first (one-iteration) run: about TargetAllocSamples samples in
// all, and at least 256 for a line allocating one 16-byte object per op
// (sampling is by bytes, so small objects get few samples; 256 put its
// per-op figure within ±6%, four standard errors inside HotPerOp's margin),
// but never more than MaxAllocSamples, which bounds what the sampling adds
// to the benchmark's time (about a microsecond a sample). At 10000, a
// benchmark making 229 allocations per op of 700 B on average (cobra's man
// page generator) left 4 to 13 samples on a line boxing four strings per
// op, on either side of MinAllocSamples from run to run.
const (
	TargetAllocSamples = 4000
	MaxAllocSamples    = 40000
	maxMemProfileRate  = 64 << 10
)

// memProfileRate is the -test.memprofilerate for a benchmark measured at
// nsPerOp and bytesPerOp in a one-iteration run (which runs cold, so it
// underestimates the iterations to come: the rate errs towards more
// samples, within MaxAllocSamples).
//
// A benchmark that makes few allocations in all (at most MaxAllocSamples
// at the one-iteration run's estimate) has every allocation sampled (rate
// 1): its lines' counts are
// then exact, not estimates. A slow benchmark runs few ops in a short bench
// time (cobra's man page generator: about 50 in 20ms), and a line
// allocating once per op had only a handful of samples at any rate chosen by
// bytes: its figure moved across HotPerOp from run to run.
func memProfileRate(benchTime string, count int, nsPerOp, bytesPerOp, allocsPerOp float64) int {
	iters := 1.0
	if n, ok := strings.CutSuffix(benchTime, "x"); ok {
		if v, err := strconv.ParseFloat(n, 64); err == nil {
			iters = v
		}
	} else if d, err := time.ParseDuration(benchTime); err == nil {
		iters = float64(d.Nanoseconds()) / max(nsPerOp, 1)
	}
	iters *= float64(max(count, 1))
	if allocsPerOp*iters <= MaxAllocSamples {
		return 1
	}
	bytes := bytesPerOp * iters
	rate := min(bytes/TargetAllocSamples, 16*iters/256)
	rate = max(rate, bytes/MaxAllocSamples)
	return int(min(max(rate, 1), maxMemProfileRate))
}

// benchPackage runs one package's benchmarks: one run of every benchmark
// for a single iteration lists them (sub-benchmarks included), then each
// leaf benchmark runs in a process of its own with its own CPU and
// allocation profiles, so every benchmark is judged by what it allocates
// itself, never by its siblings'. The per-benchmark profiles are merged into
// the package's cpu.pprof and mem.pprof for go tool pprof.
func benchPackage(ctx context.Context, env *Env, t benchTarget, bin, dir, of string) (*Result, error) {
	p := t.pkg
	res := &Result{}
	declOf := map[string]benchDecl{}
	for _, d := range t.benches {
		declOf[d.Name] = d
	}
	failed := map[string]bool{}
	addFailures := func(out []byte) {
		for _, l := range strings.Split(string(out), "\n") {
			m := benchFailRe.FindStringSubmatch(l)
			if m == nil || failed[m[1]] {
				continue
			}
			failed[m[1]] = true
			f := reports.Finding{Rule: "bench-failed", Dimension: reports.DimPerformance, Severity: reports.SevError,
				Message: fmt.Sprintf("%s failed", m[1]), Hint: benchFailedHint}
			if d, ok := declOf[strings.SplitN(m[1], "/", 2)[0]]; ok {
				f.File, f.Line, f.Function = env.Rel(d.File), d.Line, p.ImportPath+"."+d.Name
			}
			res.Findings = append(res.Findings, f)
		}
	}
	timeout := "-test.timeout=" + env.Timeout.String()
	env.progress("pprof", fmt.Sprintf("benchmarks %s: %s: listing", of, p.ImportPath))
	list, err := runTestBinary(ctx, env, bin, p.Dir, "-test.run=^$", "-test.bench=.", "-test.benchtime=1x", "-test.benchmem", timeout)
	if err != nil {
		return nil, err
	}
	addFailures(list)
	leaves := parseBenchmarks(p.ImportPath, bytes.NewReader(list))
	var cpus, mems []*profile.Profile
	// Which runtime function a line's own allocations called (see
	// profiles.Callees); without it (not ELF) a line's allocations are
	// told apart only from what it called.
	callees, err := profiles.OpenCallees(bin)
	if err == nil {
		defer callees.Close()
	}
	for i, leaf := range leaves {
		if failed[leaf.Name] {
			continue
		}
		env.progress("pprof", fmt.Sprintf("benchmarks %s: %s: %d/%d %s", of, p.ImportPath, i+1, len(leaves), leaf.Name))
		cpu, mem := filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", i)), filepath.Join(dir, fmt.Sprintf("mem-%d.pprof", i))
		rate := memProfileRate(env.BenchTime, env.BenchCount, leaf.NsPerOp, leaf.BytesPerOp, leaf.AllocsPerOp)
		// -test.skip: a benchmark whose name holds a slash
		// (b.Run("route:/a/b")) has the names of its siblings below
		// it (route:/a/b/c), and -test.bench, matching level by level,
		// would run them too.
		out, err := runTestBinary(ctx, env, bin, p.Dir, "-test.run=^$", "-test.bench="+RunPattern(leaf.Name), "-test.skip="+RunPattern(leaf.Name)+"/.", "-test.benchmem",
			"-test.benchtime="+env.BenchTime, "-test.count="+strconv.Itoa(env.BenchCount),
			"-test.cpuprofile="+cpu, "-test.memprofile="+mem, "-test.memprofilerate="+strconv.Itoa(rate), timeout)
		if err != nil {
			return nil, err
		}
		addFailures(out)
		var b *reports.Benchmark
		for _, r := range parseBenchmarks(p.ImportPath, bytes.NewReader(out)) {
			if r.Name == leaf.Name {
				b = &r
			}
		}
		if cp, err := profiles.Load(cpu); err == nil {
			cpus = append(cpus, cp)
		}
		if mp, err := profiles.Load(mem); err == nil {
			mems = append(mems, mp)
			if b != nil {
				b.AllocLines = allocLines(env, mp, leaf.Name, t.loops, b.AllocsPerOp, b.BytesPerOp, callees)
			}
		}
		for _, f := range []string{cpu, mem} {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
		if b == nil {
			continue
		}
		res.Benchmarks = append(res.Benchmarks, *b)
		if b.AllocsPerOp >= 1 {
			f := reports.Finding{Dimension: reports.DimPerformance, Severity: reports.SevInfo, Rule: "allocs", Hint: allocsHint,
				Message: fmt.Sprintf("%s allocates %s times per op (%s B/op)", b.Name, num(b.AllocsPerOp), num(b.BytesPerOp))}
			if d, ok := declOf[strings.SplitN(b.Name, "/", 2)[0]]; ok {
				f.File, f.Line, f.Function = env.Rel(d.File), d.Line, p.ImportPath+"."+d.Name
			}
			res.Findings = append(res.Findings, f)
		}
	}
	for _, pk := range []struct {
		profs []*profile.Profile
		name  string
		kind  string
		art   string
	}{{cpus, "cpu.pprof", "cpu", "cpu-profile"}, {mems, "mem.pprof", "alloc_space", "mem-profile"}} {
		path := filepath.Join(dir, pk.name)
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if len(pk.profs) == 0 {
			continue
		}
		merged, err := profiles.Merge(pk.profs)
		if err != nil {
			continue
		}
		if err := writeProfile(path, merged); err != nil {
			return nil, err
		}
		res.Artifacts = append(res.Artifacts, reports.Artifact{Kind: pk.art, Path: path})
		if top, err := profileTop(env, p.ImportPath, path, pk.kind); err == nil {
			res.Profiles = append(res.Profiles, *top)
		}
	}
	res.Artifacts = append(res.Artifacts, reports.Artifact{Kind: "test-binary", Path: bin})
	return res, nil
}

// writeProfile writes a profile atomically (temp file + rename).
func writeProfile(path string, p *profile.Profile) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".profile-*")
	if err != nil {
		return err
	}
	if err := p.Write(f); err != nil {
		return errors.Join(err, f.Close(), os.Remove(f.Name()))
	}
	if err := f.Close(); err != nil {
		return errors.Join(err, os.Remove(f.Name()))
	}
	return os.Rename(f.Name(), path)
}

var benchFailRe = regexp.MustCompile(`^--- FAIL: (Benchmark\S*)`)

// HotPerOp is how many allocations per op a line must make under a
// benchmark to be a hot allocation, and MinAllocSamples how many samples
// the figure must rest on. Allocations per op come in steps: a line
// allocates once per op (1.0) or several times (2, 3 …), every other op
// (0.5), on slice growth (≤ 1/4 amortised), or once per run in the setup
// (≈ 0). 0.75 sits in the gap between "every other op" and "every op", with a
// margin on both sides far wider than the sampling error of a line's share
// (a few percent at TargetAllocSamples), so a line does not flip between
// runs. Nothing is hot at 0 allocations per op, however large its share of
// a benchmark's setup.
const (
	HotPerOp        = 0.75
	MinAllocSamples = 10
)

// TinyHotPerOp is HotPerOp for a line whose objects are tiny (at most
// tinySize bytes on average). The runtime packs small pointer-free objects
// into shared 16-byte blocks and profiles a block only when it starts one:
// an object that fits into a block another allocation started is never in
// the profile. A line making a short string on every op showed 0.59 to 0.78
// per op in three runs (zerolog's Print), a "/" + segment concatenation
// 0.60 to 0.85 (chi's Mount), across HotPerOp; they never show more than
// the truth, so the threshold for them is the "every other op" step.
const (
	TinyHotPerOp = 0.5
	tinySize     = 16
)

// hotThreshold is the allocations per op at which l is hot.
func hotThreshold(l reports.AllocLine) float64 {
	if l.MeanSize > 0 && l.MeanSize <= tinySize {
		return TinyHotPerOp
	}
	return HotPerOp
}

// allocLines reduces one benchmark's allocation profile to the module's
// non-test lines allocating under it, with allocations per op: a line's
// share of the objects allocated in the benchmark's timed loop times the
// benchmark's allocations per op. Only samples allocated inside a benchmark
// loop's body (loops: for b.Loop(), i < b.N, range b.N, pb.Next() in the
// package's test files) count: the setup before the loop (a router built
// with its routes, a logger) runs once per b.N round, and a slow round (a
// busy machine) would let it dilute the shares. Without such loops every
// sample under the benchmark function counts. go test prints allocs/op
// truncated to an integer (6.9 prints 6); B/op over the loop's mean object
// size gives the fraction, kept within [allocs/op, allocs/op+1).
func allocLines(env *Env, prof *profile.Profile, bench string, loops []lineRange, allocsPerOp, bytesPerOp float64, callees *profiles.Callees) []reports.AllocLine {
	top := strings.SplitN(bench, "/", 2)[0]
	own := func(fr profiles.Frame) bool { return env.ownFile(fr.File) }
	site := func(fr profiles.Frame) bool { return !strings.HasSuffix(fr.File, "_test.go") }
	under := func(fr profiles.Frame) bool {
		n := fr.Func[strings.LastIndexByte(fr.Func, '/')+1:]
		_, n, _ = strings.Cut(n, ".")
		return n == top || strings.HasPrefix(n, top+".")
	}
	inLoop := func(fr profiles.Frame) bool {
		for _, l := range loops {
			if fr.File == l.file && fr.Line >= l.start && fr.Line <= l.end {
				return true
			}
		}
		return false
	}
	accept := func(frs []profiles.Frame) bool {
		in, loop := false, len(loops) == 0
		for _, fr := range frs {
			in = in || under(fr)
			loop = loop || inLoop(fr)
		}
		return in && loop
	}
	var callee func(*profile.Location) string
	if callees != nil {
		callee = callees.Callee
	}
	total, lines, err := profiles.AllocLines(prof, accept, own, site, callee)
	if err != nil || total.Objects == 0 {
		return nil
	}
	perOpAll := allocsPerOp
	if total.Bytes > 0 && bytesPerOp > 0 {
		perOpAll = min(max(bytesPerOp*float64(total.Objects)/float64(total.Bytes), allocsPerOp), allocsPerOp+1)
	}
	var out []reports.AllocLine
	for _, l := range lines {
		share := float64(l.Objects) / float64(total.Objects)
		perOp := share * perOpAll
		if perOp < 0.01 && share < 0.01 {
			continue
		}
		var via []string
		var viaPerOp map[string]float64
		for v, objs := range l.Via {
			via = append(via, v)
			if viaPerOp == nil {
				viaPerOp = map[string]float64{}
			}
			viaPerOp[v] = round3(float64(objs) / float64(total.Objects) * perOpAll)
		}
		sort.Strings(via)
		out = append(out, reports.AllocLine{File: env.Rel(l.File), Line: l.Line, Func: l.Func, PerOp: round3(perOp), Share: round3(share), Samples: int(l.Samples + 0.5), Via: via, ViaPerOp: viaPerOp,
			MeanSize: round3(float64(l.Bytes) / float64(l.Objects))})
	}
	return out
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// hotLine is a line allocating on every op of one or more benchmarks.
type hotLine struct {
	File, Func string
	Line       int
	PerOp      float64 // the most per op under any benchmark
	Share      float64 // the largest share of a benchmark's objects
	Benches    []string
	Via        map[string]bool    // the functions the line called that allocated
	ViaPerOp   map[string]float64 // per op by Via, the most under any benchmark
	Threshold  float64            // the per-op figure at which it is hot (hotThreshold)
}

// HotLines gathers the lines allocating at least HotPerOp times per op
// (on at least MinAllocSamples samples) under some benchmark, by file and
// line, each naming the benchmarks that reach it, most per op first.
func HotLines(bs []reports.Benchmark) []*hotLine {
	type key struct {
		file string
		line int
	}
	type reach struct {
		name  string
		perOp float64
	}
	by := map[key]*hotLine{}
	reaches := map[key][]reach{}
	var order []key
	for _, b := range bs {
		for _, l := range b.AllocLines {
			if l.PerOp < hotThreshold(l) || l.Samples < MinAllocSamples {
				continue
			}
			k := key{l.File, l.Line}
			h := by[k]
			if h == nil {
				h = &hotLine{File: l.File, Line: l.Line, Func: l.Func}
				by[k] = h
				order = append(order, k)
			}
			h.PerOp, h.Share = max(h.PerOp, l.PerOp), max(h.Share, l.Share)
			if h.Threshold == 0 {
				h.Threshold = hotThreshold(l)
			}
			h.Threshold = min(h.Threshold, hotThreshold(l))
			if h.Via == nil {
				h.Via = map[string]bool{}
			}
			for _, v := range l.Via {
				h.Via[v] = true
			}
			for v, n := range l.ViaPerOp {
				if h.ViaPerOp == nil {
					h.ViaPerOp = map[string]float64{}
				}
				h.ViaPerOp[v] = max(h.ViaPerOp[v], n)
			}
			reaches[k] = append(reaches[k], reach{b.Name, l.PerOp})
		}
	}
	out := make([]*hotLine, 0, len(order))
	for _, k := range order {
		rs := reaches[k]
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].perOp != rs[j].perOp {
				return rs[i].perOp > rs[j].perOp
			}
			return rs[i].name < rs[j].name
		})
		h := by[k]
		for _, r := range rs {
			h.Benches = append(h.Benches, r.name)
		}
		out = append(out, h)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// benchList names up to three benchmarks and how many more.
func benchList(names []string) string {
	if len(names) <= 3 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
}

// hotNote is the volatile note hot findings end with (left out of
// fingerprints): how much the line allocates and under which benchmarks.
func hotNote(h *hotLine) string { return hotNoteAt(h, h.PerOp) }

// hotNoteAt is hotNote with perOp allocations per op (an escape's own share
// of its line's).
func hotNoteAt(h *hotLine, perOp float64) string {
	return fmt.Sprintf("allocates %s per op in %s", num(perOp), benchList(h.Benches))
}

// hotAllocFindings makes one finding per hot line, at the allocating line
// of the module's non-test code, naming the benchmarks that reach it: a
// "hot-alloc" warning, or "returned-alloc" info when the line builds the
// function's result (a returned string, slice or map; a String or Error
// method), which only an API change avoids. JoinHotEscapes later folds a
// hot line into the escape finding at the same line when there is one.
func hotAllocFindings(env *Env, bs []reports.Benchmark) []reports.Finding {
	var out []reports.Finding
	rets := newReturnedAllocs()
	names := funcname.New()
	pkgOf := map[string]string{}                                     // folder -> import path
	if pkgs, err := env.Packages(context.Background()); err == nil { // memoized: the run listed them
		for _, p := range pkgs {
			pkgOf[p.Dir] = p.ImportPath
		}
	}
	for _, h := range HotLines(bs) {
		// The function as the escape leg names it, from the source: pprof's
		// names for closures inlined into closures are long and unstable
		// (pkg.F.F.func1.func2).
		abs := filepath.Join(env.Dir, h.File)
		if ip, ok := pkgOf[filepath.Dir(abs)]; ok {
			if fn, _ := names.Enclosing(ip, abs, h.Line, 0); fn != "" {
				h.Func = fn
			}
		}
		f := reports.Finding{Rule: "hot-alloc", Dimension: reports.DimPerformance, Severity: reports.SevWarning, Hint: hotAllocHint,
			File: h.File, Line: h.Line, Function: h.Func,
			Message: fmt.Sprintf("%s allocates on every benchmarked op (%s)", shortFunc(h.Func), hotNote(h)),
			Detail:  "benchmarks reaching this line: " + strings.Join(h.Benches, ", ")}
		if rets.returns(filepath.Join(env.Dir, h.File), h.Line) {
			f.Rule, f.Severity, f.Hint = ReturnedAllocRule, reports.SevInfo, returnedAllocHint
			f.Message = fmt.Sprintf("%s allocates the result it returns on every benchmarked op (%s)", shortFunc(h.Func), hotNote(h))
		}
		out = append(out, f)
	}
	return out
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
