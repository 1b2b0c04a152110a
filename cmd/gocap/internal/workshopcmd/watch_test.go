package workshopcmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/workshop"
)

// TestWatchRegradesAndSubmits: grade --watch on one exercise grades at
// once (fail, first hint), again after a save that does not fix it (fail,
// second hint: the ladder climbs), and again after the fix (pass); every
// grade is submitted to a running serve, whose store ends with the pass.
func TestWatchRegradesAndSubmits(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "ws")
	if _, err := workshop.Start(dir, []string{"errors-wrap"}, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	// A serve to submit to.
	sios, _, _, _ := iostreams.Test()
	ready := make(chan [2]string, 1)
	serveCtx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- serveRun(serveCtx, &ServeOptions{IO: sios, Addr: "127.0.0.1:0", Dir: filepath.Join(base, "store"),
			Ready: func(addr, token string) { ready <- [2]string{addr, token} }})
	}()
	var at [2]string
	select {
	case at = <-ready:
	case err := <-served:
		t.Fatal(err)
	}

	ios, _, out, _ := iostreams.Test()
	var mu sync.Mutex
	var grades []*workshop.Report
	next := make(chan int, 4)
	o := &GradeOptions{IO: ios, Checks: []*checks.Check{checks.Race, checks.Errors}, Dir: dir, Watch: true,
		Submit: "http://" + at[0], Token: at[1], Name: "ada", Interval: 100 * time.Millisecond,
		OnGrade: func(r *workshop.Report) {
			mu.Lock()
			grades = append(grades, r)
			n := len(grades)
			mu.Unlock()
			next <- n
		}}
	watched := make(chan error, 1)
	go func() { watched <- gradeRun(ctx, o) }()
	wait := func(n int) *workshop.Report {
		t.Helper()
		select {
		case got := <-next:
			if got != n {
				t.Fatalf("grade %d arrived, want %d", got, n)
			}
		case err := <-watched:
			t.Fatalf("watch ended before grade %d: %v", n, err)
		case <-ctx.Done():
			t.Fatalf("no grade %d", n)
		}
		mu.Lock()
		defer mu.Unlock()
		return grades[n-1]
	}
	code := filepath.Join(dir, "errors-wrap", "config.go")
	r := wait(1)
	if e := r.Exercises[0]; e.Status != workshop.StatusFail || len(e.Hints) != 1 {
		t.Fatalf("grade 1: %s with %d hints, want fail with 1", e.Status, len(e.Hints))
	}
	b, err := os.ReadFile(code)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(code, append(b, []byte("\n// still working on it\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	r = wait(2)
	if e := r.Exercises[0]; e.Status != workshop.StatusFail || len(e.Hints) != 2 || e.Attempts != 2 {
		t.Fatalf("grade 2: %s with %d hints, attempt %d; want fail with 2 hints, attempt 2", e.Status, len(e.Hints), e.Attempts)
	}
	sol, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "internal", "workshop", "testdata", "solutions", "errors-wrap", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(code, sol, 0o644); err != nil {
		t.Fatal(err)
	}
	r = wait(3)
	if e := r.Exercises[0]; e.Status != workshop.StatusPass || len(e.Hints) != 0 || e.TimeToGreenS == nil {
		t.Fatalf("grade 3: %s with %d hints, time to green %v; want a pass", e.Status, len(e.Hints), e.TimeToGreenS)
	}
	cancel()
	if err := <-watched; err != nil {
		t.Fatalf("watch ended with %v after Ctrl-C, want nil", err)
	}
	stopServe()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !strings.Contains(text, "hint 2/3:") || !strings.Contains(text, "grade 3 at") || strings.Contains(text, "submit:") {
		t.Errorf("watch output lacks the second hint or the third grade, or a submission failed:\n%s", text)
	}
	stored, err := workshop.LoadReports([]string{filepath.Join(base, "store")})
	if err != nil || len(stored) != 1 || stored[0].Participant != "ada" || stored[0].Exercises[0].Status != workshop.StatusPass {
		t.Fatalf("the store after the watch: %v, %v", stored, err)
	}
}
