package workshop

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestExerciseSet: every exercise has a folder in the starter with a
// README, goal tests and code, a reference solution in testdata that is not
// shipped (it differs from the starter file it replaces), and hints; every
// capability of the issue is covered.
func TestExerciseSet(t *testing.T) {
	files, err := StarterFiles()
	if err != nil {
		t.Fatal(err)
	}
	caps := map[Capability]int{}
	for _, e := range Exercises() {
		caps[e.Capability]++
		var readme, goal, code bool
		for n := range files {
			if exerciseOf(n) != e.ID {
				continue
			}
			switch {
			case strings.HasSuffix(n, "/README.md"):
				readme = true
			case strings.HasSuffix(n, "_test.go"):
				goal = true
			case strings.HasSuffix(n, ".go"):
				code = true
			}
		}
		if !readme || !goal || !code {
			t.Errorf("%s: README %v, goal tests %v, code %v in the starter", e.ID, readme, goal, code)
		}
		if len(e.Hints) < 2 || len(e.Criteria) == 0 || e.Minutes == 0 {
			t.Errorf("%s: %d hints, %d criteria, %d min", e.ID, len(e.Hints), len(e.Criteria), e.Minutes)
		}
		sols, _ := filepath.Glob(filepath.Join("testdata", "solutions", e.ID, "*"))
		if len(sols) == 0 {
			t.Errorf("%s: no reference solution in testdata/solutions", e.ID)
		}
		for _, s := range sols {
			b, _ := os.ReadFile(s)
			if string(files[e.ID+"/"+filepath.Base(s)]) == string(b) {
				t.Errorf("%s: the solution %s equals the starter file", e.ID, s)
			}
		}
	}
	want := map[Capability]int{Concurrency: 3, Memory: 2, Errors: 1, Observability: 1, Performance: 2, EBPF: 3, Wasm: 2, ZeroTrust: 2}
	for c, n := range want {
		if caps[c] < n {
			t.Errorf("capability %s: %d exercises, want at least %d", c, caps[c], n)
		}
	}
	for n := range files {
		if strings.Contains(n, "solutions") {
			t.Errorf("the starter ships %s", n)
		}
	}
	if _, ok := files["go.mod"]; !ok {
		t.Error("the starter has no go.mod")
	}
}

// TestStartRefusesNonEmptyAndKeepsEdits: a non-empty folder is refused
// without --force; with it only missing files are written and an edited
// file survives.
func TestStartRefusesNonEmptyAndKeepsEdits(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	res, err := Start(dir, []string{"leak-ctx", "errors-wrap"}, false, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.Written, "leak-ctx/ticker.go") || slices.Contains(res.Written, "race-counter/hits.go") {
		t.Fatalf("written %v: want only the selected exercises and the shared files", res.Written)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatal("no go.mod written")
	}
	if _, err := Start(dir, nil, false, time.Now()); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second start without --force: %v, want a usage error naming --force", err)
	}
	edited := filepath.Join(dir, "leak-ctx", "ticker.go")
	if err := os.WriteFile(edited, []byte("package leakctx // my work\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "errors-wrap", "README.md")); err != nil {
		t.Fatal(err)
	}
	res, err = Start(dir, nil, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(edited); string(b) != "package leakctx // my work\n" {
		t.Fatalf("--force replaced the participant's edit: %q", b)
	}
	if !slices.Contains(res.Kept, "leak-ctx/ticker.go") {
		t.Errorf("kept %v: want the edited file listed", res.Kept)
	}
	if !slices.Contains(res.Written, "errors-wrap/README.md") || !slices.Contains(res.Written, "race-counter/hits.go") {
		t.Errorf("--force wrote %v: want the removed README and the exercises not there yet", res.Written)
	}
	if _, err := Start(dir, []string{"nope"}, true, time.Now()); !errors.Is(err, ErrUsage) {
		t.Errorf("unknown exercise: %v", err)
	}
	st, err := LoadState(dir)
	if err != nil || st.Started.IsZero() {
		t.Fatalf("state after start: %+v, %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(dir, StateDir, "state.json")); errors.Is(err, fs.ErrNotExist) {
		t.Fatal("no state file")
	}
}

// TestHintLadder: the first failed grade shows the first hint, each further
// failed grade one more (capped at the ladder), a pass none and sets the
// time to green from the workshop's start.
func TestHintLadder(t *testing.T) {
	e, _ := Find("leak-ctx")
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	st := &State{Started: t0, Exercises: map[string]*ExerciseState{}}
	for i, want := range []int{1, 2, 3, 3} {
		r := Result{Status: StatusFail}
		ladder(st, e, &r, t0.Add(time.Duration(i+1)*time.Minute))
		if len(r.Hints) != want || r.Hints[want-1] != e.Hints[want-1] || r.Attempts != i+1 || r.TimeToGreenS != nil {
			t.Fatalf("failed grade %d: %d hints, attempts %d, time to green %v; want %d hints", i+1, len(r.Hints), r.Attempts, r.TimeToGreenS, want)
		}
	}
	r := Result{Status: StatusPass}
	ladder(st, e, &r, t0.Add(10*time.Minute))
	if len(r.Hints) != 0 || r.TimeToGreenS == nil || *r.TimeToGreenS != 600 {
		t.Fatalf("passing grade: hints %v, time to green %v; want none and 600 s", r.Hints, r.TimeToGreenS)
	}
	r = Result{Status: StatusPass}
	ladder(st, e, &r, t0.Add(20*time.Minute))
	if *r.TimeToGreenS != 600 {
		t.Fatalf("a later pass moved the time to green to %v", *r.TimeToGreenS)
	}
	r = Result{Status: StatusSkipped}
	ladder(st, e, &r, t0.Add(30*time.Minute))
	if r.Attempts != 6 {
		t.Fatalf("a skipped grade counted as an attempt: %d", r.Attempts)
	}
}

func TestBLoop(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte("package x\nimport \"testing\"\nfunc BenchmarkParse(b *testing.B) {\n"+body+"\n}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		body string
		ok   bool
		says string
	}{
		{"for i := 0; i < b.N; i++ { Parse(Sample(1)) }", false, "b.N"},
		{"for b.Loop() { Parse(Sample(1)) }", false, "inside the timed loop"},
		{"in := Sample(1)\nfor range b.N { Parse(in) }", false, "b.N"},
		{"in := Sample(1)\nfor b.Loop() { Parse(in) }", true, "b.Loop"},
	} {
		write(c.body)
		ok, got := bloop(dir, "BenchmarkParse", "Sample")
		if ok != c.ok || !strings.Contains(got, c.says) {
			t.Errorf("%q: %v %q, want %v and %q", c.body, ok, got, c.ok, c.says)
		}
	}
}

// TestGradeSkipsUnmetNeeds: an exercise whose needs this machine lacks is
// graded skipped with the reason, without running anything, and does not
// count as an attempt.
func TestGradeSkipsUnmetNeeds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	if _, err := Start(dir, []string{"ebpf-links", "ebpf-map-read"}, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	why := "needs root (CAP_BPF, CAP_PERFMON): run sudo gocap workshop grade"
	probed := 0
	rep, err := Grade(context.Background(), Options{Dir: dir, probe: func(context.Context) map[Need]string {
		probed++
		return map[Need]string{NeedRoot: why, NeedBPF: why, NeedRawTracepoint: "raw tracepoints do not attach here"}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if probed != 1 || len(rep.Exercises) != 2 {
		t.Fatalf("probed %d times, %d exercises", probed, len(rep.Exercises))
	}
	for _, e := range rep.Exercises {
		if e.Status != StatusSkipped || !strings.Contains(e.Reason, "needs root") || e.Attempts != 0 || len(e.Hints) != 0 {
			t.Errorf("%s: %s %q, %d attempts", e.ID, e.Status, e.Reason, e.Attempts)
		}
	}
	if !strings.Contains(rep.Exercises[0].Reason, "raw tracepoints") {
		t.Errorf("ebpf-links' reason %q lacks its raw tracepoint need", rep.Exercises[0].Reason)
	}
}
