package checks

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocap/gocap/checks/internal/testjson"
	"github.com/gocap/gocap/internal/testclose"
	"github.com/gocap/gocap/reports"
)

// testify.json is go test -json over testdata/captured/testify_src (run in
// /tmp/rl/tfy with testify v1.12.1): assert.Equal with a message after a
// t.Log, require.NoError in a subtest, and a plain t.Errorf after a
// multi-line t.Logf.
func TestTestifyOutputKeptWhole(t *testing.T) {
	f, err := os.Open("testdata/captured/testify.json")
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "testify.json", f)
	stream, err := testjson.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Dir: "/tmp/rl", Module: "example.com"}
	res, failed := raceResult(env, stream, map[string]string{"example.com/tfy": "/tmp/rl/tfy"})
	want := []struct {
		line        int
		msg         string
		detail      []string
		test        string
		notInDetail string
	}{
		{12, "TestEqual: Not equal: expected: 1 (sum of 3)", []string{"setting up", "Error Trace:", "actual  : 2", "Messages:"}, "TestEqual", "--- FAIL"},
		{17, "TestNoError/open: Received unexpected error: open x: no such file", []string{"Error:", "Test:", "TestNoError/open"}, "TestNoError/open", "=== RUN"},
		{23, "TestPlain: got 1, want 2", []string{"first log", "second line", "got 1, want 2"}, "TestPlain", "--- FAIL"},
	}
	if len(res.Findings) != len(want) || len(failed) != len(want) {
		t.Fatalf("got %d findings (%d re-run candidates), want %d:\n%s", len(res.Findings), len(failed), len(want), rtDump(res.Findings))
	}
	for i, w := range want {
		got := res.Findings[i]
		if got.Rule != "test-failed" || got.File != "tfy/x_test.go" || got.Line != w.line || got.Message != w.msg {
			t.Errorf("finding %d = %s %s:%d %q, want test-failed tfy/x_test.go:%d %q", i, got.Rule, got.File, got.Line, got.Message, w.line, w.msg)
		}
		for _, d := range w.detail {
			if !strings.Contains(got.Detail, d) {
				t.Errorf("%s: detail lacks %q:\n%s", w.test, d, got.Detail)
			}
		}
		if strings.Contains(got.Detail, w.notInDetail) {
			t.Errorf("%s: detail keeps the framing line %q:\n%s", w.test, w.notInDetail, got.Detail)
		}
		if failed[i].test != w.test || failed[i].pkg != "example.com/tfy" || failed[i].finding != i {
			t.Errorf("re-run candidate %d = %+v, want %s", i, failed[i], w.test)
		}
	}
}

func TestTestBlocksSplitMessages(t *testing.T) {
	out := []string{
		"=== RUN   TestX",
		"    x_test.go:3: one",
		"        two",
		"",
		"        three",
		"    x_test.go:9: four",
		"--- FAIL: TestX (0.00s)",
	}
	blocks, raceOnly := TestBlocks(out)
	if raceOnly || len(blocks) != 2 {
		t.Fatalf("blocks = %+v, raceOnly %v", blocks, raceOnly)
	}
	if b := blocks[0]; b.File != "x_test.go" || b.Line != 3 || strings.Join(b.Lines, "|") != "one|two||three" || b.Message() != "one" {
		t.Errorf("first block = %+v (message %q)", b, b.Message())
	}
	if b := blocks[1]; b.Line != 9 || len(b.Lines) != 1 {
		t.Errorf("second block = %+v", b)
	}
	_, raceOnly = TestBlocks([]string{"    testing.go:1490: race detected during execution of test"})
	if !raceOnly {
		t.Error("the race line of the testing package is not seen")
	}
}

func TestRunPattern(t *testing.T) {
	for in, want := range map[string]string{
		"TestA":             "^TestA$",
		"TestA/sub_case#01": "^TestA$/^sub_case#01$",
		"TestA/a.b(c)/[x]":  `^TestA$/^a\.b\(c\)$/^\[x\]$`,
	} {
		if got := RunPattern(in); got != want {
			t.Errorf("RunPattern(%q) = %q, want %q", in, got, want)
		}
		for _, part := range strings.Split(RunPattern(in), "/") {
			if _, err := regexp.Compile(part); err != nil {
				t.Errorf("%q: %v", part, err)
			}
		}
	}
}

// The detector names the two accesses of a race in the order it caught
// them, with the goroutines of that run: the finding and its fingerprint
// must not change with either.
func TestRaceFindingStableAcrossRuns(t *testing.T) {
	at := func(file string, line int, fn string) *reports.Frame {
		return &reports.Frame{File: file, Line: line, Func: fn}
	}
	run1 := reports.Race{Package: "m/p", Test: "TestA", Count: 1, Accesses: []reports.Access{
		{Kind: "read", Goroutine: 7, Addr: "0xc000012345", Location: at("p/p.go", 30, "m/p.Get")},
		{Kind: "previous write", Goroutine: 8, Addr: "0xc000012345", Location: at("p/p.go", 12, "m/p.Set")},
	}}
	run2 := reports.Race{Package: "m/p", Test: "TestA", Count: 3, Accesses: []reports.Access{
		{Kind: "write", Goroutine: 21, Addr: "0xc0000abcde", Location: at("p/p.go", 12, "m/p.Set")},
		{Kind: "previous read", Goroutine: 19, Addr: "0xc0000abcde", Location: at("p/p.go", 30, "m/p.Get")},
	}}
	f1, f2 := raceFinding(run1), raceFinding(run2)
	f1.Check, f2.Check = "race", "race"
	if f1.File != "p/p.go" || f1.Line != 12 || f2.Line != 12 || f1.Function != "m/p.Set" {
		t.Errorf("findings sit at %s:%d and %s:%d, want both at the first place p/p.go:12", f1.File, f1.Line, f2.File, f2.Line)
	}
	if want := "data race: write at p/p.go:12 (p.Set) vs read at p/p.go:30 (p.Get) in TestA"; f1.Message != want {
		t.Errorf("message %q, want %q", f1.Message, want)
	}
	if reports.Fingerprint(f1) != reports.Fingerprint(f2) {
		t.Errorf("fingerprints differ:\n%q\n%q", f1.Message, f2.Message)
	}
}

func TestRuntimeLockExcludes(t *testing.T) {
	env := &Env{}
	var mu sync.Mutex
	var events []string
	env.Progress = func(check, msg string) {
		mu.Lock()
		events = append(events, check+": "+msg)
		mu.Unlock()
	}
	release, err := env.holdRuntime(context.Background(), "race")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 1)
	go func() {
		r, err := env.holdRuntime(context.Background(), "pprof")
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	select {
	case <-got:
		t.Fatal("the second runtime leg got the lock while the first held it")
	case <-time.After(100 * time.Millisecond): // not a timing assertion: only a chance to catch a broken lock
	}
	release()
	(<-got)()
	mu.Lock()
	if len(events) != 1 || !strings.Contains(events[0], "pprof: waiting") {
		t.Errorf("progress = %q", events)
	}
	mu.Unlock()
	// A cancelled wait returns the context's error.
	release, _ = env.holdRuntime(context.Background(), "race")
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := env.holdRuntime(ctx, "pprof"); err == nil {
		t.Error("a cancelled wait got the lock")
	}
}

func TestRaceProgressLine(t *testing.T) {
	if got := RaceProgress(12, 40, 311); got != "12/40 packages, 311 tests" {
		t.Errorf("got %q", got)
	}
	if got := RaceProgress(0, 0, 1); got != "0 packages, 1 test" {
		t.Errorf("got %q", got)
	}
}

// A test that fails on its first run and passes when re-run alone is a
// flaky-test warning; one that fails again stays a test-failed error. The
// progress line counts packages and tests from the test2json stream.
func TestFlakyTestRerunAlone(t *testing.T) {
	root, _ := filepath.Abs("testdata/flaky")
	t.Setenv("GOCAP_FLAKY_MARKER", filepath.Join(t.TempDir(), "marker"))
	var mu sync.Mutex
	var progress []string
	rep, err := Run(context.Background(), Options{Dir: root, Checks: testChecks, Only: []string{"race"}, Timeout: 4 * time.Minute,
		Progress: func(check, msg string) { mu.Lock(); progress = append(progress, msg); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	fs := rep.Findings()
	wants := rtWants(t, root, ".")
	if len(fs) != len(wants) {
		t.Errorf("got %d findings, want %d:\n%s", len(fs), len(wants), rtDump(fs))
	}
	for _, w := range wants {
		found := false
		for _, f := range fs {
			if f.File == w.file && f.Line == w.line && w.re.MatchString(f.Rule+" "+f.Message) {
				found = true
				if f.Rule == "flaky-test" && (f.Severity != reports.SevWarning || !strings.Contains(f.Detail, "took too long")) {
					t.Errorf("flaky finding %+v", f)
				}
			}
		}
		if !found {
			t.Errorf("%s:%d: no finding matching %q; findings:\n%s", w.file, w.line, w.re, rtDump(fs))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(progress, "\n")
	if !strings.Contains(joined, "1/1 packages, ") || !strings.Contains(joined, "re-running 1/2 failing tests alone") {
		t.Errorf("progress lines:\n%s", joined)
	}
}

// Two runs of the race leg on the same code give the same findings, races
// included: the detector's goroutine numbers, addresses and the order it
// names the two accesses in move between runs, the fingerprints must not.
func TestRaceFindingsRepeat(t *testing.T) {
	root, _ := filepath.Abs("testdata/defects")
	fps := func() []string {
		rep, err := Run(context.Background(), Options{Dir: root, Patterns: []string{"./racy", "./failing"}, Checks: testChecks, Only: []string{"race"}, Timeout: 4 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range rep.Findings() {
			out = append(out, f.Rule+" "+reports.Fingerprint(f))
		}
		sort.Strings(out)
		return out
	}
	first, second := fps(), fps()
	if len(first) < 2 || !strings.Contains(strings.Join(first, " "), "data-race") {
		t.Fatalf("findings = %v, want a data race and a failing test", first)
	}
	if strings.Join(first, "\n") != strings.Join(second, "\n") {
		t.Errorf("fingerprints moved between runs:\n%v\n%v", first, second)
	}
}

// TestRaceExitSleepKeptForChildren: a module whose tests start processes
// keeps the race runtime's own exit sleep. The control run shows the test
// depends on it (with gocap's short sleep the child's last line is lost);
// the race leg runs it as go test -race does, so it passes, no flaky-test.
func TestRaceExitSleepKeptForChildren(t *testing.T) {
	root, _ := filepath.Abs("testdata/reexec")
	ctl := exec.Command("go", "test", "-race", "-count=1", ".")
	ctl.Dir = root
	ctl.Env = append(os.Environ(), "GORACE=atexit_sleep_ms="+strconv.Itoa(RaceExitSleep))
	if out, err := ctl.CombinedOutput(); err == nil || !strings.Contains(string(out), "last line was lost") {
		t.Fatalf("control: with atexit_sleep_ms=%d the test should lose the child's line: %v\n%s", RaceExitSleep, err, out)
	}
	t.Setenv("GORACE", "")
	rep, err := Run(context.Background(), Options{Dir: root, Checks: testChecks, Only: []string{"race"}, Timeout: 4 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if fs := rep.Findings(); len(fs) != 0 {
		t.Errorf("findings on a test that passes under go test -race:\n%s", rtDump(fs))
	}
	if c := rep.Check("race"); c == nil || c.Status != reports.StatusPass {
		t.Errorf("race check: %+v", c)
	}
	if got := raceEnv([]*Package{{Dir: "testdata/flaky", TestGoFiles: []string{"flaky_test.go"}}}); len(got) != 1 || got[0] != "GORACE=atexit_sleep_ms=100" {
		t.Errorf("raceEnv without processes = %q", got)
	}
}
