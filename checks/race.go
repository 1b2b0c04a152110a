package checks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gocap/gocap/checks/internal/racereport"
	"github.com/gocap/gocap/checks/internal/testjson"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/reports"
)

// Race runs the module's tests under the race detector.
var Race = &Check{
	ID:   "race",
	Name: "go test -race",
	Doc: `data races and test failures under the race detector

Runs go test -race -json over the selected packages and parses the test2json
stream. Each race report becomes a structured race (both accesses with kind,
goroutine, address, stack and the first frame in the module's own code, plus
where each goroutine was created), deduplicated by access pair (the code
locations of both accesses, in either order: c.n++ racing with itself is one
race however many goroutines hit it), and an error finding "data-race" at the
first access. A package that does not build
(go test also runs a vet subset and fails the build on e.g. a printf
mismatch), a failing test, a panic and a timeout are findings of their own
(build-failed, test-failed, panic, timeout); the other packages still report.
A test that failed only because of a race is reported as the race alone.
The race runtime's exit sleep is cut from 1 s to RaceExitSleep ms (unless
GORACE sets atexit_sleep_ms): see RaceExitSleep.
Modules without test files are skipped ("no tests").`,
	URL:      "https://go.dev/doc/articles/race_detector",
	Measures: []string{reports.DimConcurrency, reports.DimCorrectness},
	Needs:    NeedTests,
	Run:      runRace,
}

const (
	raceHint    = "unsynchronised access to shared memory gives torn values and heisenbugs; guard it with a sync.Mutex, use sync/atomic, or hand ownership over a channel"
	buildHint   = "the package's tests do not compile (go test also fails the build on vet's printf, copylocks... checks), so nothing in it was tested; fix the error"
	testHint    = "a failing test means the behaviour it pins down is broken (or the test is); fix the code or the expectation"
	panicHint   = "a panic in a test aborts the whole test binary, hiding later results; fix the nil/index/conversion error at this frame or recover and return an error"
	timeoutHint = "the test binary hit the -timeout: a deadlock, a leaked goroutine waiting forever, or a test that needs a context deadline; look at the goroutine at this frame"
)

func runRace(ctx context.Context, env *Env) (*Result, error) {
	// go test starts at once; the package list (shared with the other legs)
	// is read while it runs.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The test binary's own -timeout fires first (a timeout finding with the
	// goroutine dump) instead of the whole check being cancelled.
	args := []string{"test", "-race", "-json", "-timeout", max(time.Second, (env.Timeout * 9 / 10).Round(time.Second)).String()}
	args = append(args, env.Patterns...)
	cmd := env.goCommand(runCtx, args...)
	cmd.Env = append(cmd.Env, "GORACE="+goraceFlags(os.Getenv("GORACE")))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	env.progress("race", "go test -race")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: go test -race: %w", cmdutil.ErrTool, err)
	}
	pkgs, err := env.Packages(ctx)
	dirs := map[string]string{}
	tests := 0
	for _, p := range pkgs {
		dirs[p.ImportPath] = p.Dir
		tests += len(p.TestGoFiles) + len(p.XTestGoFiles)
	}
	if err != nil || tests == 0 {
		cancel()
		_ = cmd.Wait() // reaps the cancelled go test: its exit status is the kill, not a result
		if err != nil {
			return nil, err
		}
		return &Result{Skipped: true, Summary: "no tests"}, nil
	}
	runErr := cmd.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	stream, err := testjson.Read(&stdout)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", cmdutil.ErrTool, err)
	}
	var ee *exec.ExitError
	if runErr != nil && (!errors.As(runErr, &ee) || len(stream.Packages) == 0 && len(stream.Builds) == 0) {
		return nil, fmt.Errorf("%w: go test -race: %s", cmdutil.ErrTool, modinfo.FirstLine(stderr.String()+strings.Join(stream.Other, "\n")))
	}
	return raceResult(env, stream, dirs), nil
}

// RaceExitSleep is the race runtime's atexit_sleep_ms gocap sets unless
// GORACE already sets it. The runtime's default, 1000 ms, makes every test
// binary sleep a second when it exits, waiting for races in goroutines the
// tests left running; reports in progress still complete (the runtime takes
// its report lock after the sleep). 100 ms keeps a window for such late
// races and saves most of a second per tested package.
const RaceExitSleep = 100

// goraceFlags adds atexit_sleep_ms to the user's GORACE options unless set.
func goraceFlags(user string) string {
	if strings.Contains(user, "atexit_sleep_ms=") {
		return user
	}
	return strings.TrimSpace(user + " atexit_sleep_ms=" + strconv.Itoa(RaceExitSleep))
}

// raceResult turns a parsed go test -json stream into races and findings.
// dirs maps import paths to package folders (for test-relative file names).
func raceResult(env *Env, stream *testjson.Result, dirs map[string]string) *Result {
	res := &Result{}
	type raceKey struct{ a, b string }
	index := map[raceKey]int{}
	failedTests, ranPkgs := 0, 0
	for _, p := range stream.SortedPackages() {
		if p.NoTests {
			continue
		}
		if p.FailedBuild == "" {
			ranPkgs++
		}
		for _, rr := range racereport.Parse(p.Output) {
			race := toRace(env, p.ImportPath, rr)
			k := raceKey{accessKey(race.Accesses, 0), accessKey(race.Accesses, 1)}
			if k.b < k.a {
				k.a, k.b = k.b, k.a
			}
			if i, ok := index[k]; ok {
				res.Races[i].Count++
				continue
			}
			index[k] = len(res.Races)
			res.Races = append(res.Races, race)
		}
		fs, n := testFindings(env, p, dirs[p.ImportPath])
		failedTests += n
		res.Findings = append(res.Findings, fs...)
	}
	for _, r := range res.Races {
		res.Findings = append(res.Findings, raceFinding(r))
	}
	builds := make([]string, 0, len(stream.Builds))
	for ip, b := range stream.Builds {
		if b.Failed {
			builds = append(builds, ip)
		}
	}
	sort.Strings(builds)
	// A broken package breaks the build of every test that imports it: one
	// finding per error place.
	seenErr := map[string]bool{}
	for _, ip := range builds {
		for _, f := range buildFindings(env, stream.Builds[ip]) {
			k := fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Col)
			if f.File != "" && seenErr[k] {
				continue
			}
			seenErr[k] = true
			res.Findings = append(res.Findings, f)
		}
	}
	res.Summary = fmt.Sprintf("%s, %s, %s did not build (%s tested)", count(len(res.Races), "data race", "data races"),
		count(failedTests, "failing test", "failing tests"), count(len(builds), "package", "packages"), count(ranPkgs, "package", "packages"))
	return res
}

func accessKey(as []reports.Access, i int) string {
	if i >= len(as) {
		return ""
	}
	a := as[i]
	loc := ""
	if a.Location != nil {
		loc = fmt.Sprintf("%s:%d", a.Location.File, a.Location.Line)
	} else if len(a.Stack) > 0 {
		loc = fmt.Sprintf("%s:%d", a.Stack[0].File, a.Stack[0].Line)
	}
	return loc
}

// ownFile reports whether an absolute file belongs to the module (not a
// dependency, the standard library or the generated test main).
func (e *Env) ownFile(file string) bool {
	if !filepath.IsAbs(file) {
		return false
	}
	r, err := filepath.Rel(e.Dir, file)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !strings.HasPrefix(filepath.ToSlash(r), "vendor/")
}

func (e *Env) frames(fs []racereport.Frame) []reports.Frame {
	out := make([]reports.Frame, 0, len(fs))
	for _, f := range fs {
		file := f.File
		if e.ownFile(file) {
			file = e.Rel(file)
		}
		out = append(out, reports.Frame{Func: f.Func, File: file, Line: f.Line})
	}
	return out
}

// firstOwn returns the first frame in the module's code, relative, or nil.
func (e *Env) firstOwn(fs []racereport.Frame) *reports.Frame {
	for _, f := range fs {
		if e.ownFile(f.File) {
			return &reports.Frame{Func: f.Func, File: e.Rel(f.File), Line: f.Line}
		}
	}
	return nil
}

func toRace(env *Env, pkg string, rr racereport.Race) reports.Race {
	r := reports.Race{Package: pkg, Test: rr.Test, Count: 1, RawReport: rr.Raw}
	for _, a := range rr.Accesses {
		kind := a.Kind
		if a.Previous {
			kind = "previous " + kind
		}
		r.Accesses = append(r.Accesses, reports.Access{Kind: kind, Addr: a.Addr, Goroutine: a.Goroutine,
			Location: env.firstOwn(a.Stack), Stack: env.frames(a.Stack), Created: env.frames(a.Created)})
	}
	return r
}

func raceFinding(r reports.Race) reports.Finding {
	f := reports.Finding{Rule: reports.RuleDataRace, Dimension: reports.DimConcurrency, Severity: reports.SevError, Hint: raceHint, Detail: r.RawReport}
	var parts []string
	for i, a := range r.Accesses {
		where := "outside the module"
		if a.Location != nil {
			where = fmt.Sprintf("%s:%d (%s)", a.Location.File, a.Location.Line, shortFunc(a.Location.Func))
			if i == 0 || f.File == "" {
				f.File, f.Line, f.Function = a.Location.File, a.Location.Line, a.Location.Func
			}
		}
		parts = append(parts, fmt.Sprintf("%s by goroutine %d at %s", a.Kind, a.Goroutine, where))
	}
	f.Message = "data race: " + strings.Join(parts, " vs ")
	if r.Test != "" {
		f.Message += " in " + r.Test
	}
	if r.Count > 1 {
		f.Message += fmt.Sprintf(" (reported %d times)", r.Count)
	}
	return f
}

// shortFunc drops the import path: example.com/m/pkg.(*T).M is pkg.(*T).M.
func shortFunc(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

var (
	testLineRe  = regexp.MustCompile(`^\s+([^\s:]+\.go):(\d+): (.*)$`)
	buildLineRe = regexp.MustCompile(`^(\S+\.go):(\d+):(?:(\d+):)? (.*)$`)
)

// testFindings reports failing tests, panics and timeouts of one package and
// returns them with the number of failing tests.
func testFindings(env *Env, p *testjson.Package, dir string) ([]reports.Finding, int) {
	var out []reports.Finding
	n := 0
	lines := make([]string, len(p.Output))
	for i, l := range p.Output {
		lines[i] = l.Text
	}
	// A timeout or a panic ends the binary: one finding from the dump.
	for i, l := range lines {
		msg, ok := strings.CutPrefix(l, "panic: ")
		if !ok {
			continue
		}
		dump := lines[i:]
		if len(racereport.Goroutines(dump)) == 0 {
			continue // a test printed "panic: ..." itself: no goroutine dump follows
		}
		loc := env.dumpLocation(dump)
		f := reports.Finding{Dimension: reports.DimCorrectness, Severity: reports.SevError, Detail: strings.Join(dump, "\n")}
		if strings.HasPrefix(msg, "test timed out after") {
			f.Rule, f.Hint = reports.RuleTimeout, timeoutHint
			running := []string{}
			for _, t := range p.Unfinished() {
				running = append(running, t.Name)
			}
			f.Message = fmt.Sprintf("%s: %s", p.ImportPath, msg)
			if len(running) > 0 {
				f.Message += " while running " + strings.Join(running, ", ")
			}
			n += len(running)
		} else {
			f.Rule, f.Hint = reports.RulePanic, panicHint
			test := p.Output[i].Test
			f.Message = "panic: " + strings.TrimSuffix(msg, " [recovered, repanicked]")
			if test != "" {
				f.Message = test + ": " + f.Message
			}
		}
		if loc != nil {
			f.File, f.Line, f.Function = loc.File, loc.Line, loc.Func
		}
		out = append(out, f)
		if f.Rule == reports.RulePanic {
			n += len(p.FailedLeaves())
		}
		return out, n
	}
	for _, t := range p.FailedLeaves() {
		n++
		raceOnly := false
		var msgs []reports.Finding
		for _, l := range t.Output {
			m := testLineRe.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			if m[1] == "testing.go" && strings.Contains(m[3], "race detected during execution of test") {
				raceOnly = true
				continue
			}
			line, _ := strconv.Atoi(m[2])
			file := m[1]
			if dir != "" {
				file = env.Rel(filepath.Join(dir, m[1]))
			}
			msgs = append(msgs, reports.Finding{Rule: reports.RuleTestFailed, Dimension: reports.DimCorrectness, Severity: reports.SevError,
				File: file, Line: line, Message: t.Name + ": " + m[3], Hint: testHint, Function: p.ImportPath + "." + strings.SplitN(t.Name, "/", 2)[0]})
		}
		if len(msgs) == 0 {
			if raceOnly {
				n--
				continue
			}
			msgs = append(msgs, reports.Finding{Rule: reports.RuleTestFailed, Dimension: reports.DimCorrectness, Severity: reports.SevError,
				Message: fmt.Sprintf("%s: %s failed without a message", p.ImportPath, t.Name), Hint: testHint, Detail: strings.Join(t.Output, "\n")})
		}
		out = append(out, msgs...)
	}
	if p.Action == "fail" && p.FailedBuild == "" && n == 0 && !raceFailed(p) {
		// The binary failed outside any test (TestMain, os.Exit, init).
		out = append(out, reports.Finding{Rule: reports.RuleTestFailed, Dimension: reports.DimCorrectness, Severity: reports.SevError,
			Message: fmt.Sprintf("%s: the test binary failed outside any test: %s", p.ImportPath, lastLines(lines, 3)), Hint: testHint, Detail: strings.Join(lines, "\n")})
		n++
	}
	return out, n
}

func raceFailed(p *testjson.Package) bool {
	for _, l := range p.Output {
		if l.Text == "WARNING: DATA RACE" {
			return true
		}
	}
	return false
}

func lastLines(lines []string, k int) string {
	var keep []string
	for i := len(lines) - 1; i >= 0 && len(keep) < k; i-- {
		if s := strings.TrimSpace(lines[i]); s != "" && s != "FAIL" && !strings.HasPrefix(s, "FAIL\t") {
			keep = append([]string{s}, keep...)
		}
	}
	return strings.Join(keep, "; ")
}

// dumpLocation finds the first frame in the module's code in a panic or
// timeout dump: the panicking goroutine first, then the others.
func (e *Env) dumpLocation(dump []string) *reports.Frame {
	for _, g := range racereport.Goroutines(dump) {
		if f := e.firstOwn(g.Frames); f != nil {
			return f
		}
	}
	return nil
}

// buildFindings turns the output of a failed build action into findings,
// one per compiler or vet error line.
func buildFindings(env *Env, b *testjson.Build) []reports.Finding {
	pkg, _, _ := strings.Cut(b.ImportPath, " ")
	var out []reports.Finding
	vet := false
	for _, l := range b.Output {
		if strings.HasPrefix(l, "# [") {
			vet = true // go test's vet subset reports under "# [pkg]"
			continue
		}
		m := buildLineRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		file := m[1]
		if !filepath.IsAbs(file) {
			file = filepath.Join(env.Dir, file)
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		// "# [pkg]" marks go test's vet step; a package without test files
		// gets its vet errors under "# pkg" like compile errors.
		msg := pkg + " does not build under go test (compiler or go test's vet step): " + m[4]
		if vet {
			msg = pkg + ": go test's vet step failed: " + m[4]
		}
		out = append(out, reports.Finding{Rule: reports.RuleBuildFailed, Dimension: reports.DimCorrectness, Severity: reports.SevError,
			File: env.Rel(file), Line: line, Col: col, Message: msg, Hint: buildHint, Detail: strings.Join(b.Output, "\n")})
	}
	if len(out) == 0 {
		out = append(out, reports.Finding{Rule: reports.RuleBuildFailed, Dimension: reports.DimCorrectness, Severity: reports.SevError,
			Message: pkg + " does not build: " + lastLines(b.Output, 2), Hint: buildHint, Detail: strings.Join(b.Output, "\n")})
	}
	return out
}
