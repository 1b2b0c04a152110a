package checks

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/semver"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/internal/version"
	"github.com/gocap/gocap/reports"
)

// Options for running the legs of gocap check on a module.
type Options struct {
	Dir      string // any folder inside the module; default "."
	Patterns []string
	// Checks is the explicit list of checks to choose from (cmd/gocap
	// passes its list); Only and Skip select among them (--checks, --skip).
	Checks     []*Check
	Only, Skip []string
	OutDir     string
	BenchTime  string
	BenchCount int
	Timeout    time.Duration
	Progress   func(check, msg string)
	// Shard and Shards (1 ≤ Shard ≤ Shards) restrict the run to one
	// deterministic share of the matched packages (see ShardPackages), for
	// CI matrix jobs whose reports gocap report merge joins. 0: no sharding.
	Shard, Shards int
	// Files, when set, receives the Go files (absolute, tests included) of
	// the packages checked, from the run's own package list, so a caller
	// scanning sources (//gocap:ignore) needs no second go list.
	Files *[]string
	// Analysis configures the analyzers (.gocap.yaml errcheck, staticcheck).
	Analysis AnalysisOptions
}

// ShardPackages returns shard i (1-based) of n of the import paths: the
// sorted list dealt round-robin, so shards differ in size by at most one
// package and every package is in exactly one shard.
func ShardPackages(pkgs []string, i, n int) []string {
	s := append([]string(nil), pkgs...)
	sort.Strings(s)
	var out []string
	for k, p := range s {
		if k%n == i-1 {
			out = append(out, p)
		}
	}
	return out
}

// Run runs the selected checks on the module and returns the unscored
// report: the checks' outcomes and data, the selected packages with their
// sizes (Report.Packages) and each check's coverage. internal/pipeline scores
// it once, after suppressions; a cut-off run (ctx done) returns what the
// legs had seen with ctx.Err().
func Run(ctx context.Context, o Options) (rep *reports.Report, err error) {
	start := time.Now()
	if o.Dir == "" {
		o.Dir = "."
	}
	if len(o.Patterns) == 0 {
		o.Patterns = []string{"./..."}
	}
	cs, err := Select(o.Checks, o.Only, o.Skip)
	if err != nil {
		return nil, err
	}
	// go env GOVERSION beside go list, not before it.
	type goEnv struct {
		ver string
		err error
	}
	goEnvc := make(chan goEnv, 1)
	go func() {
		v, err := modinfo.GoEnv(context.WithoutCancel(ctx)) // short; see go list below
		goEnvc <- goEnv{v, err}
	}()
	root, mod, modGo, err := modinfo.FindModule(o.Dir)
	if err != nil {
		if ge := <-goEnvc; ge.err != nil {
			return nil, ge.err // no go command: say that first
		}
		return nil, err
	}
	// gocap links x/tools, built with runtime.Version(); a module needing a
	// newer Go cannot be type-checked by it.
	if modGo != "" && semver.Compare("v"+strings.TrimPrefix(runtime.Version(), "go"), "v"+modGo) < 0 && !strings.HasPrefix(runtime.Version(), "devel") {
		return nil, fmt.Errorf("%w: %s needs go %s but this gocap was built with %s: rebuild gocap with go %s or newer (go install ...@latest)", cmdutil.ErrUsage, root, modGo, runtime.Version(), modGo)
	}
	o.Patterns = modinfo.RootPatterns(root, o.Dir, o.Patterns)
	// go list (the packages, their files and whether the patterns match)
	// runs beside the legs, not before them: the static legs' go vet needs
	// only the patterns, and a leg that needs the list waits for it
	// (Env.Packages). A pattern go list refuses cancels the legs and is the
	// run's usage error.
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	var (
		listed   []*Package
		listErr  error
		goVer    string
		listDone = make(chan struct{})
	)
	// go list is short and bounded; an interrupt gives it a moment to
	// finish (below), so that a cut-off run still has its packages.
	listCtx, cancelList := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelList()
	go func() {
		defer close(listDone)
		listed, listErr = modinfo.ListPackages(listCtx, root, o.Patterns)
		ge := <-goEnvc
		goVer = ge.ver
		if ge.err != nil {
			listErr = ge.err // no go command: say that first
		}
		if listErr != nil {
			cancelRun()
		}
	}()
	runPatterns := o.Patterns
	shard := ""
	if o.Shards > 0 {
		if o.Shard < 1 || o.Shard > o.Shards {
			return nil, fmt.Errorf("%w: shard %d/%d: use I/N with 1 <= I <= N", cmdutil.ErrUsage, o.Shard, o.Shards)
		}
		// A shard is a share of the listed packages: list first.
		<-listDone
		if listErr != nil {
			return nil, listErr
		}
		var pkgs []string
		for _, p := range listed {
			pkgs = append(pkgs, p.ImportPath)
		}
		shard = fmt.Sprintf("%d/%d", o.Shard, o.Shards)
		runPatterns = ShardPackages(pkgs, o.Shard, o.Shards)
		if len(runPatterns) == 0 {
			return emptyShard(cs, mod, goVer, o.Patterns, shard, start), nil
		}
		in := map[string]bool{}
		for _, p := range runPatterns {
			in[p] = true
		}
		var mine []*Package
		for _, p := range listed {
			if in[p.ImportPath] {
				mine = append(mine, p)
			}
		}
		listed = mine
	}
	env := &Env{Dir: root, Module: mod, GoVersion: modGo, Patterns: runPatterns, OutDir: o.OutDir,
		BenchTime: o.BenchTime, BenchCount: o.BenchCount, Timeout: o.Timeout, Progress: o.Progress, Analysis: o.Analysis}
	if env.BenchTime == "" {
		env.BenchTime = DefaultBenchTime
	}
	if env.BenchCount == 0 {
		env.BenchCount = 1
	}
	if env.Timeout == 0 {
		env.Timeout = 10 * time.Minute
	}
	// The go commands' work folders live in one folder of gocap's, removed
	// once every leg is done (RunAll waits for them), interrupted or not.
	goTmp, err := os.MkdirTemp(os.Getenv("GOTMPDIR"), "gocap-go-")
	if err != nil {
		return nil, fmt.Errorf("%w: temp folder for the go command: %w", cmdutil.ErrTool, err)
	}
	env.GoTmp = goTmp
	defer func() {
		if rerr := os.RemoveAll(goTmp); rerr != nil && err == nil {
			rep, err = nil, fmt.Errorf("%w: removing the go command's temp folder: %w", cmdutil.ErrTool, rerr)
		}
	}()
	// The package list, shared with the legs: the legs report their
	// coverage against it, and a cut-off run still has it.
	env.provide("go-list", func() (any, error) {
		select {
		case <-listDone:
		case <-runCtx.Done():
			return nil, runCtx.Err()
		}
		if listErr != nil {
			return nil, listErr
		}
		return env.own(listed), nil
	})
	rcs, data := RunAll(runCtx, env, cs)
	select {
	case <-listDone:
	case <-ctx.Done():
		select {
		case <-listDone:
		case <-time.After(2 * time.Second):
			cancelList()
			<-listDone
		}
	}
	if listErr != nil {
		return nil, listErr
	}
	list := env.own(listed) // not env.Packages: a leg cut off while waiting for it memoized its error
	infos := packageInfos(list)
	for i := range rcs {
		setCoverage(&rcs[i], cs[i].Needs, infos)
	}
	if o.Files != nil {
		var files []string
		for _, p := range list {
			files = append(files, p.Files()...)
		}
		*o.Files = files
	}
	rep = &reports.Report{
		SchemaVersion: reports.SchemaVersion,
		Tool:          reports.Tool{Name: "gocap", Version: version.String()},
		Module:        mod,
		GoVersion:     goVer,
		Patterns:      o.Patterns,
		Started:       start.UTC().Truncate(time.Millisecond),
		Checks:        rcs,
		Races:         data.Races,
		Benchmarks:    data.Benchmarks,
		Profiles:      data.Profiles,
		Escapes:       data.Escapes,
		Artifacts:     data.Artifacts,
		Shard:         shard,
		Packages:      infos,
	}
	JoinHotEscapes(rep)
	rep.DurationMS = time.Since(start).Milliseconds()
	return rep, ctx.Err()
}

// packageInfos measures the selected packages: non-blank lines of non-test
// Go files (the score's size measure), and whether they have tests and
// benchmarks (what the race and pprof legs need).
func packageInfos(list []*Package) []reports.Package {
	out := make([]reports.Package, 0, len(list))
	for _, p := range list {
		info := reports.Package{Path: p.ImportPath, Tests: len(p.TestGoFiles)+len(p.XTestGoFiles) > 0}
		for _, f := range append(append([]string(nil), p.GoFiles...), p.CgoFiles...) {
			info.Lines += countLines(filepath.Join(p.Dir, f), nil)
		}
		if info.Tests {
			for _, f := range append(append([]string(nil), p.TestGoFiles...), p.XTestGoFiles...) {
				countLines(filepath.Join(p.Dir, f), &info.Benchmarks)
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// countLines counts the non-blank lines of a Go file (0 when it cannot be
// read: the legs report that file themselves); with bench set it records
// whether the file declares a benchmark.
func countLines(path string, bench *bool) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		l := bytes.TrimSpace(sc.Bytes())
		if len(l) == 0 {
			continue
		}
		n++
		if bench != nil && bytes.HasPrefix(l, []byte("func Benchmark")) {
			*bench = true
		}
	}
	return n
}

// setCoverage fills a check's coverage: a check that did not run measured
// nothing; one that ran measured every selected package except those its
// Needs rule out and those it said it could not measure.
func setCoverage(c *reports.Check, need Need, pkgs []reports.Package) {
	cov := &reports.Coverage{Selected: len(pkgs)}
	if !c.Status.Ran() {
		for _, p := range pkgs {
			cov.NotMeasured = append(cov.NotMeasured, reports.NotMeasured{Package: p.Path, Reason: string(c.Status)})
		}
		c.Coverage = cov
		return
	}
	why := map[string]string{}
	if c.Coverage != nil {
		for _, nm := range c.Coverage.NotMeasured {
			why[nm.Package] = nm.Reason
		}
	}
	for _, p := range pkgs {
		switch {
		case why[p.Path] != "":
			cov.NotMeasured = append(cov.NotMeasured, reports.NotMeasured{Package: p.Path, Reason: why[p.Path]})
		case need == NeedTests && !p.Tests:
			cov.NotMeasured = append(cov.NotMeasured, reports.NotMeasured{Package: p.Path, Reason: "no tests"})
		case need == NeedBenchmarks && !p.Benchmarks:
			cov.NotMeasured = append(cov.NotMeasured, reports.NotMeasured{Package: p.Path, Reason: "no benchmarks"})
		default:
			cov.Measured++
		}
	}
	c.Coverage = cov
}

// emptyShard is the report of a shard that holds no package (more shards
// than packages): every check skipped, so merging it changes nothing.
func emptyShard(cs []*Check, mod, goVer string, patterns []string, shard string, start time.Time) *reports.Report {
	rep := &reports.Report{SchemaVersion: reports.SchemaVersion, Tool: reports.Tool{Name: "gocap", Version: version.String()},
		Module: mod, GoVersion: goVer, Patterns: patterns, Started: start.UTC().Truncate(time.Millisecond), Shard: shard}
	for _, c := range cs {
		rep.Checks = append(rep.Checks, reports.Check{ID: c.ID, Name: c.Name, URL: c.URL, Status: reports.StatusSkipped,
			Summary: "shard " + shard + " holds no package", Findings: []reports.Finding{}})
	}
	return rep
}
