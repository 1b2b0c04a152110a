package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// chromium returns the browser the HTML test drives (Debian package chromium).
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

// artifactDir is where screenshots go: $GOCAP_ARTIFACTS when set, else a
// temp dir kept for the test's life.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("GOCAP_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestHTMLInBrowser opens the rendered report in headless Chromium and
// checks what a reader sees: the score, a finding row with its code, the
// filters hiding rows, the icicle graph, dark mode, and that the page loads
// nothing from the network. It keeps a screenshot as an artifact.
func TestHTMLInBrowser(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var html bytes.Buffer
	if err := RenderHTML(&html, fixtureReport(), RenderOptions{Root: fixtureRoot}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, html.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	visible := `[...document.querySelectorAll('#findings tr.finding')].filter(r => !r.hidden).length`
	choose := func(id, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`(() => { const e = document.getElementById('` + id + `'); e.value = '` + v + `'; e.dispatchEvent(new Event('change')) })()`)
	}
	num := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(bctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	str := func(a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(bctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("chromium: %v", err)
		}
	}
	do(chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.CSS("#findings")))
	score := str(chromedp.Text(chromedp.CSS("#score")))
	grade := str(chromedp.Text(chromedp.CSS("#grade")))
	total := num(`document.querySelectorAll('#findings tr.finding').length`)
	all := num(visible)
	printfRow := str(chromedp.Evaluate[string](`[...document.querySelectorAll('#findings tr.finding')].map(r => r.innerText).find(t => t.includes('vet/printf')) || ''`))
	hitLine := str(chromedp.Evaluate[string](`(() => { const r = [...document.querySelectorAll('#findings tr.finding')].find(r => r.innerText.includes('vet/printf')); r.querySelector('details').open = true; return r.querySelector('pre.ctx span.hit').innerText })()`))
	rects := num(`document.querySelectorAll('svg.icicle rect').length`)
	resources := num(`performance.getEntriesByType('resource').length`)
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	do(choose("f-sev", "error"))
	errorsOnly := num(visible)
	count := str(chromedp.Text(chromedp.CSS("#count")))
	do(choose("f-sev", ""), choose("f-dim", "memory"))
	memory := num(visible)
	do(choose("f-sev", "error"))
	memoryErrors := num(visible)
	art := artifactDir(t)
	shotPath := filepath.Join(art, "gocap-report.png")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shotPath)
	if *update {
		// The README's picture: the top of the page, light mode.
		do(choose("f-sev", ""), choose("f-dim", ""))
		top, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "docs", "report-html.png"), top, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The fixture has a data race: a blocker caps it at C (score 70).
	if score != "70.0" || grade != "C" {
		t.Errorf("score %q grade %q, want 70.0 C", score, grade)
	}
	if total != 6 || all != 6 {
		t.Errorf("%d finding rows, %d visible; want 6 and 6", total, all)
	}
	if !strings.Contains(printfRow, "calc/calc.go:18:2") || !strings.Contains(printfRow, "Printf formatting directive") {
		t.Errorf("vet/printf row reads %q", printfRow)
	}
	if !strings.Contains(hitLine, `fmt.Println("sum", total)`) || !strings.HasPrefix(strings.TrimSpace(hitLine), "18") {
		t.Errorf("code context highlights %q, want line 18 of calc.go", hitLine)
	}
	if errorsOnly != 3 || count != "3 of 6" {
		t.Errorf("severity filter error: %d rows visible (count %q), want 3 of 6", errorsOnly, count)
	}
	if memory != 2 || memoryErrors != 0 {
		t.Errorf("dimension filter memory: %d rows, with error only %d; want 2 and 0", memory, memoryErrors)
	}
	if rects < 5 {
		t.Errorf("icicle graph has %d frames, want the fixture's stacks drawn", rects)
	}
	if resources != 0 {
		t.Errorf("the page loaded %d resources: it must be self-contained", resources)
	}

	// Dark mode: the same page under prefers-color-scheme: dark has another background.
	do(choose("f-sev", ""), choose("f-dim", ""))
	bg := `getComputedStyle(document.body).backgroundColor`
	light := str(chromedp.Evaluate[string](bg))
	do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
		return err
	}))
	dark := str(chromedp.Evaluate[string](bg))
	if shot, err = chromedp.Run(bctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	if light == dark || dark != "rgb(20, 23, 28)" {
		t.Errorf("background light %q dark %q: prefers-color-scheme: dark not applied", light, dark)
	}
	if err := os.WriteFile(filepath.Join(art, "gocap-report-dark.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}
