package workshop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gocap/gocap/internal/browsertest"
)

// room builds n participants' reports over the first m exercises,
// deterministically varied: participant i has tried the first m-i%4
// exercises, and fails exercise j when (i+j)%3 == 0.
func room(n, m int) []*Report {
	var out []*Report
	for i := range n {
		r := &Report{SchemaVersion: SchemaVersion, Participant: fmt.Sprintf("p%02d", i), Graded: time.Date(2026, 1, 1, 10, 0, i, 0, time.UTC)}
		for j, e := range Exercises()[:m-i%4] {
			res := Result{ID: e.ID, Title: e.Title, Capability: e.Capability, Status: StatusPass, Attempts: 1 + (i+j)%4,
				Criteria: []CriterionResult{{Name: "goal tests pass", OK: true, Measured: "all pass", Want: "all pass"}}}
			switch {
			case e.Capability == EBPF && i%5 == 4:
				res.Status, res.Reason, res.Criteria = StatusSkipped, "needs root", nil
			case (i+j)%3 == 0:
				res.Status = StatusFail
				c := Criteria(e)[len(Criteria(e))-2]
				res.Criteria = append(res.Criteria, CriterionResult{Name: c.Name, OK: false, Measured: "1", Want: c.Want})
			default:
				s := float64(60 * (3 + (i*7+j*5)%40))
				res.TimeToGreenS = &s
			}
			r.Exercises = append(r.Exercises, res)
		}
		out = append(out, r)
	}
	return out
}

func TestBoardAggregates(t *testing.T) {
	reps := room(6, 12)
	b := NewBoard(reps, time.Now())
	if len(b.Rows) != 6 || len(b.Exercises) != len(Exercises()) {
		t.Fatalf("%d rows, %d columns", len(b.Rows), len(b.Exercises))
	}
	// Column 0: participants 0 and 3 fail it ((i+0)%3 == 0), the other 4 pass.
	if e := b.Exercises[0]; e.Passed != 4 || e.Tried != 6 || fmt.Sprintf("%.2f", e.Rate) != "0.67" {
		t.Errorf("exercise 0: %+v", e)
	}
	// Exercise 12 onwards was never tried by anyone.
	if c := b.Rows[0].Cells[12]; c.Status != StatusNotTried {
		t.Errorf("untried cell: %+v", c)
	}
	if len(b.Failing) == 0 || b.Failing[0].Count < b.Failing[len(b.Failing)-1].Count {
		t.Errorf("failing criteria not sorted by count: %+v", b.Failing)
	}
}

// chromium returns the browser the board test drives (Debian: chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("GOCAP_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium found: install it (Debian: apt-get install -y chromium) or set GOCAP_CHROMIUM")
	return ""
}

// TestBoardInBrowser opens the board in headless Chromium and reads what a
// lead sees: one heatmap cell per participant and exercise with its status,
// the pass rate under each column, the most failed criteria. The browser's
// TMPDIR is the test's, so no /tmp/org.chromium.Chromium.* folder is left.
// The screenshot goes to $GOCAP_ARTIFACTS (docs/workshop-board.png comes
// from it) or a temp folder.
func TestBoardInBrowser(t *testing.T) {
	exe := chromium(t)
	dir := browsertest.TempDir(t)
	browserTmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(browserTmp, 0o700); err != nil {
		t.Fatal(err)
	}
	reps := room(8, 12)
	b := NewBoard(reps, time.Date(2026, 1, 1, 10, 30, 0, 0, time.UTC))
	var html bytes.Buffer
	if err := RenderBoard(&html, b); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "board.html")
	if err := os.WriteFile(page, html.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1100, 640),
		chromedp.Env("TMPDIR=" + browserTmp),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if _, err := chromedp.Run(bctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	num := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(bctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	str := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	// The browser keeps its singleton socket folder in the TMPDIR it was
	// given, which the test removes: none lands in /tmp.
	if got, _ := filepath.Glob(filepath.Join(browserTmp, "org.chromium.Chromium.*")); len(got) == 0 {
		t.Errorf("the browser made no folder in its TMPDIR %s: is it using /tmp?", browserTmp)
	}
	cells := num(`document.querySelectorAll('#heatmap tbody td.cell').length`)
	passCells := num(`document.querySelectorAll('#heatmap tbody td.cell[data-status="pass"]').length`)
	rows := num(`document.querySelectorAll('#heatmap tbody tr').length`)
	rate0 := str(`document.querySelector('#heatmap tfoot td[data-exercise="race-counter"]').innerText`)
	rate12 := str(`document.querySelector('#heatmap tfoot td[data-exercise="wasm-limits"]').innerText`)
	firstFailing := str(`document.querySelector('#failing li').innerText`)
	cellTitle := str(`document.querySelector('tr[data-participant="p01"] td[data-exercise="leak-ctx"]').title`)
	wantPass := 0
	for _, r := range reps {
		wantPass += r.Passed()
	}
	if rows != 8 || cells != 8*len(Exercises()) || passCells != wantPass {
		t.Errorf("heatmap: %d rows, %d cells (%d pass); want 8, %d (%d)", rows, cells, passCells, 8*len(Exercises()), wantPass)
	}
	if want := fmt.Sprintf("%.0f%%", b.Exercises[0].Rate*100); rate0 != want || rate12 != "0%" {
		t.Errorf("pass rates: race-counter %q (want %q), wasm-limits %q (want 0%%)", rate0, want, rate12)
	}
	if !strings.Contains(firstFailing, b.Failing[0].Criterion) || !strings.Contains(firstFailing, fmt.Sprint(b.Failing[0].Count)) {
		t.Errorf("most failed criterion: %q, want %+v", firstFailing, b.Failing[0])
	}
	if !strings.Contains(cellTitle, "green after") {
		t.Errorf("a passed cell's title %q lacks its time to green", cellTitle)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("GOCAP_ARTIFACTS")
	if out == "" {
		out = dir
	}
	if err := os.WriteFile(filepath.Join(out, "workshop-board.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkBoard renders the board of 50 participants × 12 exercises
// (make bench-workshop).
func BenchmarkBoard(b *testing.B) {
	reps := room(50, 12)
	now := time.Now()
	for b.Loop() {
		if err := RenderBoard(io.Discard, NewBoard(reps, now)); err != nil {
			b.Fatal(err)
		}
	}
}
