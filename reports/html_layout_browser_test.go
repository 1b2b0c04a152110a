package reports

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// openReport renders r to a file and opens it in a browser of the given width.
func openReport(t *testing.T, r *Report, width, height int) context.Context {
	t.Helper()
	var html bytes.Buffer
	if err := RenderHTML(&html, r, RenderOptions{Root: fixtureRoot}); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, html.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t, width, height)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height)), chromedp.Navigate("file://"+page), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return ctx
}

func evalInt(t *testing.T, ctx context.Context, expr string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return n
}

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return s
}

// TestHTMLHoldsEveryFinding: a 5,000-finding report (the fixture's six on
// top) holds every finding: the count says 5006 of 5006 (it said "2000 of
// 2000" before), a search finds finding 4711 deep in the list, "show more"
// draws the next page, the severity filter counts every error. The page
// draws HTMLPageSize rows at a time, so its DOM stays small whatever the
// report's size: what keeps it responsive (no timing asserted).
func TestHTMLHoldsEveryFinding(t *testing.T) {
	r := bigReport(5000)
	total := len(r.Findings())
	errs := 0
	for _, f := range r.Findings() {
		if f.Severity == SevError {
			errs++
		}
	}
	ctx := openReport(t, r, 1280, 900)
	rows := `document.querySelectorAll('#findings tr.finding').length`
	count := `document.getElementById('count').textContent`
	want := strconv.Itoa(total) + " of " + strconv.Itoa(total)
	if got := evalString(t, ctx, count); got != want {
		t.Errorf("count %q, want %q", got, want)
	}
	if n := evalInt(t, ctx, rows); n != HTMLPageSize {
		t.Errorf("%d rows drawn, want the first %d", n, HTMLPageSize)
	}
	if nodes := evalInt(t, ctx, `document.getElementsByTagName('*').length`); nodes > 10000 {
		t.Errorf("the page has %d elements for %d findings: it draws too much at once", nodes, total)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#more"))); err != nil {
		t.Fatal(err)
	}
	if n := evalInt(t, ctx, rows); n != 2*HTMLPageSize {
		t.Errorf("after show more %d rows, want %d", n, 2*HTMLPageSize)
	}
	search := func(text string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const e = document.getElementById('f-text'); e.value = '`+text+`'; e.dispatchEvent(new Event('input')) })()`)); err != nil {
			t.Fatal(err)
		}
	}
	search("finding 4711 at")
	if got := evalString(t, ctx, count); got != "1 of "+strconv.Itoa(total) {
		t.Errorf("search for finding 4711: count %q", got)
	}
	if txt := evalString(t, ctx, `document.querySelector('#findings tr.finding').innerText`); !strings.Contains(txt, "finding 4711 at 0x") {
		t.Errorf("the row found reads %q", txt)
	}
	search("")
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const e = document.getElementById('f-sev'); e.value = 'error'; e.dispatchEvent(new Event('change')) })()`)); err != nil {
		t.Fatal(err)
	}
	if got, want := evalString(t, ctx, count), strconv.Itoa(errs)+" of "+strconv.Itoa(total); got != want {
		t.Errorf("error filter: count %q, want %q", got, want)
	}
	if more := evalString(t, ctx, `document.getElementById('more').textContent`); !strings.Contains(more, strconv.Itoa(errs-HTMLPageSize)+" not drawn yet") {
		t.Errorf("show more button says %q", more)
	}
}

// wideReport is the fixture with everything that can push a page wider than
// the screen: unbroken long messages, paths, function names, code lines,
// stacks, profile functions, lab metrics, benchmark names.
func wideReport() *Report {
	r := fixtureReport()
	long := strings.Repeat("VeryLongIdentifierWithoutSpaces", 12)
	r.Module = "example.com/" + strings.ToLower(long)
	r.Checks[0].Findings = append(r.Checks[0].Findings, Finding{Check: "vet", Rule: "printf/" + long, Dimension: DimCorrectness, Severity: SevWarning,
		File: "calc/" + long + "/calc.go", Line: 18, Col: 2, Function: long, Message: "message " + long + " " + long, Hint: long,
		Detail: strings.Repeat("x", 500)})
	r.Races[0].Accesses[0].Stack = append(r.Races[0].Accesses[0].Stack, Frame{Func: "example.com/" + long + ".F", File: "/root/go/pkg/mod/example.com/" + long + "@v1.0.0/f.go", Line: 3})
	r.Profiles[0].Top = append(r.Profiles[0].Top, ProfileFunc{Func: "example.com/" + long + ".G", File: long + ".go", Line: 1, Flat: 5, Cum: 5, Pct: 0.5})
	r.Labs[0].Steps[0].Metrics = append(r.Labs[0].Steps[0].Metrics, Metric{Name: long, Value: 123456789, Unit: "B"})
	r.Benchmarks = append(r.Benchmarks, Benchmark{Package: "example.com/other", Name: "Benchmark" + long + "/size=1024", Runs: 1, NsPerOp: 123456789012})
	Score(r, nil)
	return r
}

// TestHTMLNoHorizontalOverflow: at 400 and 1280 px, with every finding's
// details open, the page is never wider than the window (no horizontal
// scrollbar), and at 400 px each finding's message lies inside the window
// rather than behind a horizontal scroll.
func TestHTMLNoHorizontalOverflow(t *testing.T) {
	for _, width := range []int{400, 1280} {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			ctx := openReport(t, wideReport(), width, 900)
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = true)`)); err != nil {
				t.Fatal(err)
			}
			sw := evalInt(t, ctx, `document.documentElement.scrollWidth`)
			cw := evalInt(t, ctx, `document.documentElement.clientWidth`)
			if sw > cw {
				wide := evalString(t, ctx, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join('; ')`)
				t.Errorf("page is %d px wide in a %d px window; wider elements: %s", sw, cw, wide)
			}
			outside := evalInt(t, ctx, `[...document.querySelectorAll('#findings tr.finding summary')].filter(s => { const b = s.getBoundingClientRect(); return b.left < 0 || b.right > document.documentElement.clientWidth + 1 }).length`)
			if outside != 0 {
				t.Errorf("%d finding messages lie outside the %d px window", outside, cw)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(artifactDir(t), "gocap-report-"+strconv.Itoa(width)+".png")
			if err := os.WriteFile(p, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", p)
		})
	}
}
