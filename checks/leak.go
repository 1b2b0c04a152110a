package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/reports"
)

// Leak finds goroutines the module's tests leave running.
var Leak = &Check{
	ID:   "leak",
	Name: "goroutines left by tests",
	Doc: `goroutines the module's tests leave running, with where they were started

Runs the module's tests once more (go test -count=1, no -race) with an
end-of-test check from go.uber.org/goleak v1.3.0 added through a build
overlay: for each package with tests a generated _test.go file (never
written into the module) holds a TestMain that records the goroutines alive
before the tests, runs them, then calls goleak.Find, which retries for about
a second and a half so goroutines that are merely finishing are not
reported. goleak is required through a temporary -modfile copy of go.mod
(go get go.uber.org/goleak@v1.3.0 into the copy; the module's own go.mod
and go.sum are untouched; a dependency goleak needs at a higher version is
raised in the copy only). Each leaked goroutine is reported once per
creation site — the go statement, at the file:line from its "created by"
frame (or its first frame in the module when a library started it).

Why not Go 1.26's goroutine leak profile (GOEXPERIMENT=goroutineleakprofile):
the experiment can be switched on from outside, but the profile can only be
read from inside the test process (pprof.Lookup("goroutineleak")); go test
has no flag to write it, so it would need the same overlay, and the
experiment rebuilds the standard library for every run's build cache key.

Limits: the check runs once per package, after all its tests, t.Parallel
ones included, so parallel tests cannot be blamed for each other's
goroutines — and the report names where the goroutine was started, not
which test started it. A package that defines its own TestMain is not
measured (two TestMains do not compile; coverage says so). Goroutines
started before the tests (package init, a TestMain's setup) are ignored.
Goroutines goleak ignores by default (the testing package's, os/signal's
loop, runtime trace readers) are not reported, and neither are goroutines
with no frame in the module (an idle HTTP keep-alive connection's reader
started by net/http's Transport): they cannot be placed at a line of the
module, and the summary counts them. Only goroutines blocked for good are
reported — waiting on a channel, a select, a lock or I/O; one asleep in
time.Sleep (a periodic job meant to live for the process) or still running
is counted in the summary, not reported. A goroutine still running
when the tests end is a leak only in tests that should have stopped it:
a cache or pool started by a test and meant to live for the process is
reported too.

Rule: "goroutine-leak" (warning, concurrency).`,
	URL:      "https://github.com/uber-go/goleak",
	Measures: []string{reports.DimConcurrency},
	Needs:    NeedTests,
	OptIn:    true,
	Run:      runLeak,
}

// GoleakVersion is the goleak the overlay uses.
const GoleakVersion = "v1.3.0"

const leakHint = "a goroutine that outlives its test keeps its memory and whatever it holds, and in a server it is a leak per request; give it a way to stop (a context, a done channel, closing what it ranges over) and wait for it (sync.WaitGroup) before the caller returns"

const leakMain = `package %s

import (
	gocapos "os"
	gocaptesting "testing"

	gocapgoleak "go.uber.org/goleak"
)

// TestMain is gocap's end-of-test goroutine check (an overlay; not in the module).
func TestMain(m *gocaptesting.M) {
	before := gocapgoleak.IgnoreCurrent()
	code := m.Run()
	if err := gocapgoleak.Find(before); err != nil {
		_ = gocapos.WriteFile(%q, []byte(err.Error()), 0o644)
	}
	gocapos.Exit(code)
}
`

func runLeak(ctx context.Context, env *Env) (*Result, error) {
	pkgs, err := env.Packages(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(env.GoTmp, "gocap-leak-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // a temp folder
	res := &Result{}
	overlay := map[string]string{}
	outs := map[string]*Package{}
	var run []string
	for i, p := range pkgs {
		if len(p.TestGoFiles)+len(p.XTestGoFiles) == 0 {
			continue
		}
		if hasTestMain(p) {
			res.NotMeasured = append(res.NotMeasured, reports.NotMeasured{Package: p.ImportPath, Reason: "defines its own TestMain"})
			continue
		}
		out := filepath.Join(tmp, strconv.Itoa(i)+".leaks")
		src := filepath.Join(tmp, strconv.Itoa(i)+"_test.go")
		if err := os.WriteFile(src, fmt.Appendf(nil, leakMain, p.Name, out), 0o644); err != nil {
			return nil, err
		}
		overlay[filepath.Join(p.Dir, "zz_gocap_leak_test.go")] = src
		outs[out] = p
		run = append(run, p.ImportPath)
	}
	if len(run) == 0 {
		return &Result{Skipped: true, Summary: "no tests it can check", NotMeasured: res.NotMeasured}, nil
	}
	modfile, err := leakModfile(ctx, env, tmp)
	if err != nil {
		return nil, err
	}
	ov, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		return nil, err
	}
	ovPath := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovPath, ov, 0o644); err != nil {
		return nil, err
	}
	env.progress("leak", "go test with goleak")
	args := []string{"test", "-count=1", "-modfile=" + modfile, "-overlay=" + ovPath}
	if _, err := os.Stat(filepath.Join(env.Dir, "vendor")); err == nil {
		args = append(args, "-mod=mod") // goleak is not vendored
	}
	if env.Timeout > 0 {
		args = append(args, "-timeout", env.Timeout.String())
	}
	cmd := env.goCommand(ctx, append(args, run...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// The module's tests never run beside another runtime leg (runtime lock).
	release, err := env.holdRuntime(ctx, "leak")
	if err != nil {
		return nil, err
	}
	// Failing tests are the race leg's findings; leaks are read from the files.
	_ = cmd.Run()
	release()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	sites := map[string]*leakSite{}
	leaked, outside, awake := 0, 0, 0
	for out, p := range outs {
		b, err := os.ReadFile(out)
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		for _, g := range parseGoleak(string(b)) {
			if !blockedState(g.state) {
				awake++
				continue
			}
			file, line, fn, ok := leakLocation(env, g)
			if !ok {
				outside++
				continue
			}
			leaked++
			key := file + ":" + strconv.Itoa(line)
			s := sites[key]
			if s == nil {
				s = &leakSite{file: file, line: line, fn: fn, pkg: p.ImportPath, g: g}
				sites[key] = s
			}
			s.n++
		}
	}
	keys := make([]string, 0, len(sites))
	for k := range sites {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := sites[k]
		what := "a goroutine"
		if s.n > 1 {
			what = strconv.Itoa(s.n) + " goroutines"
		}
		msg := fmt.Sprintf("%s started here (%s) still running after the tests of %s ended, %s in %s", what, s.g.createdBy, s.pkg, s.g.state, s.g.top)
		res.Findings = append(res.Findings, reports.Finding{Rule: "goroutine-leak", Dimension: reports.DimConcurrency, Severity: reports.SevWarning,
			File: s.file, Line: s.line, Function: s.fn, Message: msg, Hint: leakHint, Detail: s.g.stack})
	}
	res.Summary = fmt.Sprintf("%s checked with goleak %s: %s left running at %s", count(len(run), "package", "packages"), GoleakVersion,
		count(leaked, "goroutine", "goroutines"), count(len(sites), "creation site", "creation sites"))
	if awake > 0 {
		res.Summary += fmt.Sprintf("; %s sleeping or running (a periodic job, a worker still busy) not reported", count(awake, "goroutine", "goroutines"))
	}
	if outside > 0 {
		res.Summary += fmt.Sprintf("; %s started and run by the standard library or dependencies (no frame in the module, e.g. idle HTTP keep-alive connections) not reported", count(outside, "goroutine", "goroutines"))
	}
	// gocap's own file failing to compile is gocap's failure, not a finding.
	for _, l := range strings.Split(stdout.String()+stderr.String(), "\n") {
		if strings.Contains(l, "zz_gocap_leak_test.go") {
			return nil, fmt.Errorf("%w: go test with the goleak overlay: %s", cmdutil.ErrTool, strings.TrimSpace(l))
		}
	}
	return res, nil
}

type leakSite struct {
	file, fn, pkg string
	line, n       int
	g             leakedGoroutine
}

// leakModfile copies go.mod and go.sum to tmp and requires goleak in the copy.
func leakModfile(ctx context.Context, env *Env, tmp string) (string, error) {
	mod := filepath.Join(tmp, "go.mod")
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(env.Dir, f))
		if err != nil && !(f == "go.sum" && os.IsNotExist(err)) {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			return "", err
		}
	}
	get := env.goCommand(ctx, "get", "-modfile="+mod, "go.uber.org/goleak@"+GoleakVersion)
	var stderr bytes.Buffer
	get.Stderr = &stderr
	if err := get.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("%w: adding go.uber.org/goleak@%s to a copy of go.mod: %s (it must be in the module cache or reachable through GOPROXY: go mod download go.uber.org/goleak@%s)",
			cmdutil.ErrTool, GoleakVersion, modinfo.FirstLine(stderr.String()), GoleakVersion)
	}
	return mod, nil
}

// hasTestMain reports whether a test file of p declares TestMain.
func hasTestMain(p *Package) bool {
	fset := token.NewFileSet()
	for _, name := range append(append([]string{}, p.TestGoFiles...), p.XTestGoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "TestMain" {
				return true
			}
		}
	}
	return false
}

// leakedGoroutine is one goroutine of goleak's report.
type leakedGoroutine struct {
	state, top string
	createdBy  string   // function that ran the go statement
	createdAt  string   // file:line of the go statement
	frames     []string // file:line of its own frames, innermost first
	stack      string
}

var (
	goleakHeadRe = regexp.MustCompile(`(?m)^[\[ ]?Goroutine \d+ in state ([^,]+), with (\S+) on top of the stack:$`)
	createdRe    = regexp.MustCompile(`(?m)^created by (\S+)(?: in goroutine \d+)?\n\t(\S+):(\d+)`)
	frameFileRe  = regexp.MustCompile(`(?m)^\t(\S+\.go):(\d+)`)
)

// parseGoleak splits goleak's "found unexpected goroutines" text.
func parseGoleak(s string) []leakedGoroutine {
	idx := goleakHeadRe.FindAllStringSubmatchIndex(s, -1)
	var out []leakedGoroutine
	for i, m := range idx {
		end := len(s)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		body := strings.TrimRight(strings.TrimSpace(s[m[1]:end]), "]")
		g := leakedGoroutine{state: s[m[2]:m[3]], top: s[m[4]:m[5]], stack: strings.TrimSpace(body)}
		own := body
		if c := createdRe.FindStringSubmatchIndex(body); c != nil {
			g.createdBy = body[c[2]:c[3]]
			g.createdAt = body[c[4]:c[5]] + ":" + body[c[6]:c[7]]
			own = body[:c[0]]
		}
		for _, f := range frameFileRe.FindAllStringSubmatch(own, -1) {
			g.frames = append(g.frames, f[1]+":"+f[2])
		}
		out = append(out, g)
	}
	return out
}

// blockedState reports whether a goroutine state (runtime.Stack's "[…]")
// is a wait on a channel, a select, a lock or I/O: what a goroutine that
// nobody will ever wake sits in. "sleep" (time.Sleep: a periodic job that
// lives for the process) and "running"/"runnable" are not.
func blockedState(st string) bool {
	st, _, _ = strings.Cut(st, ",") // "chan receive, 2 minutes"
	for _, p := range []string{"chan receive", "chan send", "select", "sync.", "semacquire", "IO wait", "sync.Cond.Wait"} {
		if strings.HasPrefix(st, p) {
			return true
		}
	}
	return false
}

// leakLocation picks the module file:line a leaked goroutine is reported
// at: its go statement when that is in the module, else its innermost
// frame in the module; false when neither is (a goroutine the standard
// library or a dependency started and runs, such as an idle HTTP
// keep-alive connection's reader: the module's code is not on its stack).
func leakLocation(env *Env, g leakedGoroutine) (string, int, string, bool) {
	for _, at := range append([]string{g.createdAt}, g.frames...) {
		file, line, ok := splitFileLine(at)
		if !ok {
			continue
		}
		if rel, err := filepath.Rel(env.Dir, file); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel), line, g.createdBy, true
		}
	}
	return "", 0, g.createdBy, false
}

func splitFileLine(s string) (string, int, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	return s[:i], n, err == nil
}
