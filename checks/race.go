package checks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
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
A failing test is one finding carrying its whole output (testify's Error
Trace/Error/Test/Messages lines, t.Log lines) as Detail, its message the
first meaningful line; it is re-run once, alone, and if it then passes it is
a "flaky-test" warning naming both outcomes. The leg holds the runtime lock
while its tests run (never beside benchmarks) and reports packages and tests
done from the test2json stream as progress.
The race runtime's exit sleep is cut from 1 s to RaceExitSleep ms (unless
GORACE sets atexit_sleep_ms, or the tests start processes): see raceEnv.
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
	flakyHint   = "the test depends on timing or on what runs beside it (here: gocap's other legs); make it deterministic (fake clocks, synchronisation instead of sleeps, generous deadlines) so CI does not fail at random"
	timeoutHint = "the test binary hit the -timeout: a deadlock, a leaked goroutine waiting forever, or a test that needs a context deadline; look at the goroutine at this frame"
)

func runRace(ctx context.Context, env *Env) (*Result, error) {
	// Tests never run beside benchmarks (see runtime_lock.go).
	release, err := env.holdRuntime(ctx, "race")
	if err != nil {
		return nil, err
	}
	defer release()
	// The package list (shared with the other legs) comes first: it says
	// whether there are tests, and whether they start processes (raceEnv).
	pkgs, err := env.Packages(ctx)
	if err != nil {
		return nil, err
	}
	dirs := map[string]string{}
	tests := 0
	for _, p := range pkgs {
		dirs[p.ImportPath] = p.Dir
		tests += len(p.TestGoFiles) + len(p.XTestGoFiles)
	}
	if tests == 0 {
		return &Result{Skipped: true, Summary: "no tests"}, nil
	}
	gorace := raceEnv(pkgs)
	// The test binary's own -timeout fires first (a timeout finding with the
	// goroutine dump) instead of the whole check being cancelled.
	args := []string{"test", "-race", "-json", "-timeout", raceTimeout(env).String()}
	args = append(args, env.Patterns...)
	cmd := env.goCommand(ctx, args...)
	cmd.Env = append(cmd.Env, gorace...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%w: go test -race: %w", cmdutil.ErrTool, err)
	}
	env.progress("race", "go test -race")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: go test -race: %w", cmdutil.ErrTool, err)
	}
	prog := newRaceProgress(env)
	prog.setTotal(len(pkgs))
	type read struct {
		stream *testjson.Result
		err    error
	}
	done := make(chan read, 1)
	go func() {
		s, err := testjson.ReadEach(stdout, prog.event)
		_, _ = io.Copy(io.Discard, stdout) // after a read error: let go test finish
		done <- read{s, err}
	}()
	rd := <-done
	runErr := cmd.Wait()
	if ctx.Err() != nil {
		// Cut off: what the stream said so far (finished tests, races and
		// failures seen) is kept.
		if rd.stream == nil {
			return nil, ctx.Err()
		}
		res, _ := raceResult(env, rd.stream, dirs)
		markUnfinished(ctx, res, rd.stream, pkgs)
		return res, ctx.Err()
	}
	stream := rd.stream
	if rd.err != nil {
		return nil, fmt.Errorf("%w: %w", cmdutil.ErrTool, rd.err)
	}
	var ee *exec.ExitError
	if runErr != nil && (!errors.As(runErr, &ee) || len(stream.Packages) == 0 && len(stream.Builds) == 0) {
		return nil, fmt.Errorf("%w: go test -race: %s", cmdutil.ErrTool, modinfo.FirstLine(stderr.String()+strings.Join(stream.Other, "\n")))
	}
	res, failed := raceResult(env, stream, dirs)
	if err := rerunFailed(ctx, env, res, failed, gorace); err != nil {
		return res, err // cut off while re-running: the first run's findings stand
	}
	return res, nil
}

// raceTimeout is the -timeout of the race leg's test binaries: nine tenths
// of the check's, so the binary's own timeout (with its goroutine dump)
// fires before the check is cancelled.
func raceTimeout(env *Env) time.Duration {
	return max(time.Second, (env.Timeout * 9 / 10).Round(time.Second))
}

// raceProgress turns the test2json stream into progress lines: packages
// done (of the selected ones, once known) and tests done, at most a few a
// second.
type raceProgress struct {
	env         *Env
	mu          sync.Mutex
	total       int
	pkgs, tests int
	last        time.Time
}

func newRaceProgress(env *Env) *raceProgress { return &raceProgress{env: env} }

func (p *raceProgress) setTotal(n int) {
	p.mu.Lock()
	p.total = n
	p.mu.Unlock()
	p.send(true)
}

func (p *raceProgress) event(e testjson.Event) {
	if e.Action != "pass" && e.Action != "fail" && e.Action != "skip" || e.Package == "" {
		return
	}
	p.mu.Lock()
	if e.Test == "" {
		p.pkgs++
	} else {
		p.tests++
	}
	p.mu.Unlock()
	p.send(e.Test == "")
}

func (p *raceProgress) send(force bool) {
	p.mu.Lock()
	if !force && time.Since(p.last) < 200*time.Millisecond {
		p.mu.Unlock()
		return
	}
	p.last = time.Now()
	msg := RaceProgress(p.pkgs, p.total, p.tests)
	p.mu.Unlock()
	p.env.progress("race", msg)
}

// RaceProgress is the race leg's progress line: "12/40 packages, 311 tests"
// (without the total while the package list is not known yet).
func RaceProgress(pkgs, total, tests int) string {
	ps := strconv.Itoa(pkgs)
	if total > 0 {
		ps += "/" + strconv.Itoa(total)
	}
	return ps + " packages, " + count(tests, "test", "tests")
}

// maxReruns caps the failing tests the race leg re-runs alone: past it
// (a broken module fails dozens of tests) the failures stand as they are.
const maxReruns = 10

// failedTest is a test-failed finding the race leg may re-run.
type failedTest struct {
	pkg, test string
	finding   int // index in Result.Findings
}

// rerunFailed re-runs each failing test once, alone (the runtime lock is
// held, so no benchmark runs beside it), with the same race detector
// settings. A test that then passes was not broken but timing-sensitive: its
// test-failed error becomes a flaky-test warning naming both outcomes.
func rerunFailed(ctx context.Context, env *Env, res *Result, failed []failedTest, gorace []string) error {
	if len(failed) > maxReruns {
		failed = failed[:maxReruns]
	}
	for i, ft := range failed {
		env.progress("race", fmt.Sprintf("re-running %d/%d failing tests alone: %s", i+1, len(failed), ft.test))
		args := []string{"test", "-race", "-json", "-count=1", "-timeout", raceTimeout(env).String(), "-run", RunPattern(ft.test), ft.pkg}
		cmd := env.goCommand(ctx, args...)
		cmd.Env = append(cmd.Env, gorace...)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		_ = cmd.Run() // a failing re-run exits 1: its outcome is read from the stream
		if ctx.Err() != nil {
			return ctx.Err()
		}
		stream, err := testjson.Read(&stdout)
		if err != nil {
			continue
		}
		p := stream.Packages[ft.pkg]
		if p == nil || p.Tests[ft.test] == nil || p.Tests[ft.test].Action != "pass" || raceFailed(p) {
			continue
		}
		f := &res.Findings[ft.finding]
		first := strings.TrimPrefix(f.Message, ft.test+": ")
		*f = reports.Finding{Rule: "flaky-test", Dimension: reports.DimCorrectness, Severity: reports.SevWarning, File: f.File, Line: f.Line,
			Function: f.Function, Hint: flakyHint,
			Message: fmt.Sprintf("%s is flaky: it failed under gocap (%s) and passed when re-run alone", ft.test, first),
			Detail:  "first run (failed):\n" + f.Detail}
	}
	flaky := 0
	for _, f := range res.Findings {
		if f.Rule == "flaky-test" {
			flaky++
		}
	}
	if flaky > 0 {
		res.Summary += fmt.Sprintf("; %s passed when re-run alone", count(flaky, "failing test", "failing tests"))
	}
	return nil
}

// RunPattern is the -run pattern selecting exactly one test or subtest:
// each level of TestA/sub anchored and quoted.
func RunPattern(test string) string {
	parts := strings.Split(test, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// RaceExitSleep is the race runtime's atexit_sleep_ms gocap sets unless
// GORACE already sets it. The runtime's default, 1000 ms, makes every test
// binary sleep a second when it exits, waiting for races in goroutines the
// tests left running; reports in progress still complete (the runtime takes
// its report lock after the sleep). 100 ms keeps a window for such late
// races and saves most of a second per tested package.
const RaceExitSleep = 100

// raceEnv is the GORACE setting of the race leg's go test: RaceExitSleep,
// unless a package's tests start processes (they import os/exec). A test
// that runs the test binary again (a log.Fatal or os.Exit path, as zerolog's
// diode tests do) or another race-built program hands it the race runtime's
// options: a child that exits with output still on its way (a goroutine
// writing a buffered log line) may lose it with a short exit sleep, and its
// test fails under gocap while it passes under go test -race. Those modules
// get the runtime's own exit sleep, as go test gives them.
func raceEnv(pkgs []*Package) []string {
	user := os.Getenv("GORACE")
	if startsProcesses(pkgs) {
		if user == "" {
			return nil
		}
		return []string{"GORACE=" + user}
	}
	return []string{"GORACE=" + goraceFlags(user)}
}

// startsProcesses reports whether a test file of pkgs imports os/exec.
func startsProcesses(pkgs []*Package) bool {
	fset := token.NewFileSet()
	for _, p := range pkgs {
		for _, f := range append(append([]string(nil), p.TestGoFiles...), p.XTestGoFiles...) {
			af, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, parser.ImportsOnly)
			if err != nil {
				continue
			}
			for _, im := range af.Imports {
				if im.Path.Value == `"os/exec"` {
					return true
				}
			}
		}
	}
	return false
}

// goraceFlags adds atexit_sleep_ms to the user's GORACE options unless set.
func goraceFlags(user string) string {
	if strings.Contains(user, "atexit_sleep_ms=") {
		return user
	}
	return strings.TrimSpace(user + " atexit_sleep_ms=" + strconv.Itoa(RaceExitSleep))
}

// raceResult turns a parsed go test -json stream into races and findings.
// dirs maps import paths to package folders (for test-relative file names).
func raceResult(env *Env, stream *testjson.Result, dirs map[string]string) (*Result, []failedTest) {
	res := &Result{}
	var failed []failedTest
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
		for _, f := range fs {
			if f.Rule == reports.RuleTestFailed && f.test != "" {
				failed = append(failed, failedTest{pkg: p.ImportPath, test: f.test, finding: len(res.Findings)})
			}
			res.Findings = append(res.Findings, f.Finding)
		}
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
	return res, failed
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

// raceFinding is the data-race error of one race. The detector names the
// two accesses in the order it caught them ("Read at … Previous write at …"),
// which changes from run to run, and goroutine numbers change with
// scheduling: the finding orders the two sides by place, says only kind and
// place of each, and sits at the first one, so the same race has the same
// finding (and fingerprint) in every run. Goroutines and the raw report are
// in the Race and the Detail.
func raceFinding(r reports.Race) reports.Finding {
	f := reports.Finding{Rule: reports.RuleDataRace, Dimension: reports.DimConcurrency, Severity: reports.SevError, Hint: raceHint, Detail: r.RawReport}
	type side struct{ key, text string }
	var sides []side
	for i, a := range r.Accesses {
		where := "outside the module"
		if a.Location != nil {
			where = fmt.Sprintf("%s:%d (%s)", a.Location.File, a.Location.Line, shortFunc(a.Location.Func))
		}
		sides = append(sides, side{accessKey(r.Accesses, i), strings.TrimPrefix(a.Kind, "previous ") + " at " + where})
	}
	sort.SliceStable(sides, func(i, j int) bool {
		if (sides[i].key == "") != (sides[j].key == "") {
			return sides[i].key != ""
		}
		if sides[i].key != sides[j].key {
			return sides[i].key < sides[j].key
		}
		return sides[i].text < sides[j].text
	})
	for _, sd := range sides {
		for _, a := range r.Accesses {
			if a.Location != nil && f.File == "" && accessKey([]reports.Access{a}, 0) == sd.key {
				f.File, f.Line, f.Function = a.Location.File, a.Location.Line, a.Location.Func
			}
		}
	}
	var parts []string
	for _, sd := range sides {
		parts = append(parts, sd.text)
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
	buildLineRe = regexp.MustCompile(`^(\S+\.go):(\d+):(?:(\d+):)? (.*)$`)
)

// testFinding is a finding of testFindings with the test it is about ("" for
// a package-level one).
type testFinding struct {
	reports.Finding
	test string
}

// testFindings reports failing tests, panics and timeouts of one package and
// returns them with the number of failing tests. A failing test is one
// finding: its message the first meaningful line of its failure (testify's
// Error field, else the test's last file:line message), its Detail the
// test's whole output.
func testFindings(env *Env, p *testjson.Package, dir string) ([]testFinding, int) {
	var out []testFinding
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
		out = append(out, testFinding{Finding: f})
		if f.Rule == reports.RulePanic {
			n += len(p.FailedLeaves())
		}
		return out, n
	}
	for _, t := range p.FailedLeaves() {
		n++
		blocks, raceOnly := TestBlocks(t.Output)
		fn := p.ImportPath + "." + strings.SplitN(t.Name, "/", 2)[0]
		detail := strings.Join(trimTestOutput(t.Output), "\n")
		b := failureBlock(blocks)
		if b == nil {
			if raceOnly {
				n--
				continue
			}
			out = append(out, testFinding{test: t.Name, Finding: reports.Finding{Rule: reports.RuleTestFailed, Dimension: reports.DimCorrectness, Severity: reports.SevError,
				Message: fmt.Sprintf("%s: %s failed without a message", p.ImportPath, t.Name), Hint: testHint, Function: fn, Detail: detail}})
			continue
		}
		file := b.File
		if dir != "" {
			file = env.Rel(filepath.Join(dir, b.File))
		}
		out = append(out, testFinding{test: t.Name, Finding: reports.Finding{Rule: reports.RuleTestFailed, Dimension: reports.DimCorrectness, Severity: reports.SevError,
			File: file, Line: b.Line, Message: t.Name + ": " + b.Message(), Hint: testHint, Function: fn, Detail: detail}})
	}
	if p.Action == "fail" && p.FailedBuild == "" && n == 0 && !raceFailed(p) {
		// The binary failed outside any test (TestMain, os.Exit, init).
		out = append(out, testFinding{Finding: reports.Finding{Rule: reports.RuleTestFailed, Dimension: reports.DimCorrectness, Severity: reports.SevError,
			Message: fmt.Sprintf("%s: the test binary failed outside any test: %s", p.ImportPath, lastLines(lines, 3)), Hint: testHint, Detail: strings.Join(lines, "\n")}})
		n++
	}
	return out, n
}

// TestBlock is one message a test printed: the file:line the testing
// package put in front of it and every line of it (continuation lines
// dedented), as t.Log, t.Error and testify's assertions write them.
type TestBlock struct {
	File  string
	Line  int
	Lines []string
}

// Message is the block's first meaningful line. For a testify assertion it
// is the Error field (with its first continuation when the field ends in a
// colon: "Not equal: expected: 1"), plus the Messages field when given;
// otherwise the first non-empty line.
func (b *TestBlock) Message() string {
	fields := testifyFields(b.Lines)
	if e, ok := fields["Error"]; ok && len(e) > 0 {
		msg := e[0]
		if strings.HasSuffix(msg, ":") && len(e) > 1 && e[1] != "" {
			msg += " " + e[1]
		}
		if m := fields["Messages"]; len(m) > 0 && m[0] != "" {
			msg += " (" + m[0] + ")"
		}
		return msg
	}
	for _, l := range b.Lines {
		if s := strings.TrimSpace(l); s != "" {
			return s
		}
	}
	return "(empty message)"
}

func (b *TestBlock) testify() bool {
	_, ok := testifyFields(b.Lines)["Error Trace"]
	return ok
}

// testifyFields reads testify's layout, one field a line as
// "\tName:   \tvalue" and its continuations as "\t        \tvalue": each
// field's value lines, trimmed ("Error" -> ["Not equal:", "expected: 1", …]).
func testifyFields(lines []string) map[string][]string {
	out := map[string][]string{}
	cur := ""
	for _, l := range lines {
		s, ok := strings.CutPrefix(strings.TrimLeft(l, " "), "\t")
		if !ok {
			continue
		}
		label, val, ok := strings.Cut(s, "\t")
		if !ok {
			continue
		}
		label = strings.TrimSpace(label)
		if name, isField := strings.CutSuffix(label, ":"); isField && name != "" {
			cur = name
			out[cur] = append(out[cur], strings.TrimSpace(val))
			continue
		}
		if label == "" && cur != "" {
			out[cur] = append(out[cur], strings.TrimSpace(val))
		}
	}
	return out
}

var testBlockRe = regexp.MustCompile(`^(\s+)([^\s:]+\.go):(\d+): ?(.*)$`)

// TestBlocks splits a test's output into its messages. raceOnly reports
// that the testing package said the test failed because of a race (its
// "race detected during execution of test" line, not a block of its own).
func TestBlocks(output []string) (blocks []TestBlock, raceOnly bool) {
	var cur *TestBlock
	indent := 0
	for _, l := range output {
		if m := testBlockRe.FindStringSubmatch(l); m != nil {
			if m[2] == "testing.go" && strings.Contains(m[4], "race detected during execution of test") {
				raceOnly = true
				cur = nil
				continue
			}
			line, _ := strconv.Atoi(m[3])
			blocks = append(blocks, TestBlock{File: m[2], Line: line, Lines: []string{m[4]}})
			cur = &blocks[len(blocks)-1]
			indent = len(m[1])
			continue
		}
		lead := len(l) - len(strings.TrimLeft(l, " "))
		if cur != nil && (lead > indent || strings.TrimSpace(l) == "") && !strings.HasPrefix(strings.TrimSpace(l), "--- ") {
			cur.Lines = append(cur.Lines, strings.TrimPrefix(l, strings.Repeat(" ", min(lead, indent+4))))
			continue
		}
		cur = nil
	}
	for i := range blocks {
		b := &blocks[i]
		for len(b.Lines) > 1 && strings.TrimSpace(b.Lines[len(b.Lines)-1]) == "" {
			b.Lines = b.Lines[:len(b.Lines)-1]
		}
	}
	return blocks, raceOnly
}

// failureBlock picks the block that says why a test failed: the first
// testify assertion, else the last message (t.Fatal ends a test; t.Log lines
// come before the failure they explain).
func failureBlock(blocks []TestBlock) *TestBlock {
	for i := range blocks {
		if blocks[i].testify() {
			return &blocks[i]
		}
	}
	if len(blocks) == 0 {
		return nil
	}
	return &blocks[len(blocks)-1]
}

// trimTestOutput drops the === RUN / --- FAIL framing lines of a test's output.
func trimTestOutput(out []string) []string {
	var keep []string
	for _, l := range out {
		s := strings.TrimSpace(l)
		if strings.HasPrefix(s, "=== ") || strings.HasPrefix(s, "--- FAIL: ") || strings.HasPrefix(s, "--- PASS: ") {
			continue
		}
		keep = append(keep, l)
	}
	return keep
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
		rule := reports.RuleBuildFailed
		if vet {
			msg = pkg + ": go test's vet step failed: " + m[4]
			rule = reports.RuleVetBlockedTests // it builds; its tests did not run
		}
		out = append(out, reports.Finding{Rule: rule, Dimension: reports.DimCorrectness, Severity: reports.SevError,
			File: env.Rel(file), Line: line, Col: col, Message: msg, Hint: buildHint, Detail: strings.Join(b.Output, "\n")})
	}
	if len(out) == 0 {
		out = append(out, reports.Finding{Rule: reports.RuleBuildFailed, Dimension: reports.DimCorrectness, Severity: reports.SevError,
			Message: pkg + " does not build: " + lastLines(b.Output, 2), Hint: buildHint, Detail: strings.Join(b.Output, "\n")})
	}
	return out
}
