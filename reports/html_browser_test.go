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

	"github.com/gocap/gocap/internal/browsertest"
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

// newBrowser starts headless Chromium for one test at the given window size
// and returns its context. The browser's TMPDIR is a folder of the test:
// Chromium puts its singleton socket folder (org.chromium.Chromium.XXXXXX)
// there, not in /tmp, so nothing is left behind when the browser is gone;
// the browser is closed (not killed) when the test ends and the folder is
// checked to be the one its singleton used.
func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	ctx, _ := startBrowser(t, width, height)
	return ctx
}

// startBrowser is newBrowser that also returns the folder of Chromium's
// singleton socket.
func startBrowser(t *testing.T, width, height int) (context.Context, string) {
	t.Helper()
	exe := chromium(t)
	dir := browsertest.TempDir(t)
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(dir, "profile")
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
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(width, height),
		chromedp.Env("TMPDIR=" + tmp),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, _ := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		acancel()
		cancel()
		t.Fatalf("chromium: %v", err)
	}
	// The singleton socket's folder, read while the browser runs.
	singleton, err := os.Readlink(filepath.Join(profile, "SingletonSocket"))
	if err != nil {
		t.Errorf("no SingletonSocket in chromium's profile (%v): cannot tell where its temp folder is", err)
	}
	t.Cleanup(func() {
		if err := chromedp.Cancel(bctx); err != nil { // closes the browser gracefully
			t.Errorf("closing chromium: %v", err)
		}
		acancel()
		cancel()
		if singleton != "" && !strings.HasPrefix(singleton, tmp+string(filepath.Separator)) {
			t.Errorf("chromium's singleton socket is %s, outside the test's TMPDIR %s: it is left behind", singleton, tmp)
		}
	})
	return bctx, filepath.Dir(singleton)
}

// TestBrowserLeavesNoTempFolder: a browser test's Chromium keeps its
// org.chromium.Chromium.* folder inside the test's temp folder, and once the
// test is over the folder is gone (before the fix one stayed in /tmp per run).
func TestBrowserLeavesNoTempFolder(t *testing.T) {
	var folder string
	t.Run("browse", func(t *testing.T) {
		var ctx context.Context
		ctx, folder = startBrowser(t, 800, 600)
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(filepath.Base(folder), "org.chromium.Chromium.") {
			t.Errorf("singleton folder %s is not Chromium's temp folder", folder)
		}
		if _, err := os.Stat(folder); err != nil {
			t.Errorf("while the browser runs its folder %s: %v", folder, err)
		}
	})
	if folder == "" || folder == "." {
		t.Fatal("no singleton folder seen")
	}
	if strings.HasPrefix(folder, os.TempDir()+"/org.chromium") {
		t.Errorf("chromium made %s directly in %s", folder, os.TempDir())
	}
	if _, err := os.Stat(folder); !os.IsNotExist(err) {
		t.Errorf("after the test %s is still there (%v)", folder, err)
	}
}

// TestHTMLInBrowser opens the rendered report in headless Chromium and
// checks what a reader sees: the score, a finding row with its code, the
// filters hiding rows, the icicle graph, dark mode, and that the page loads
// nothing from the network. It keeps a screenshot as an artifact.
func TestHTMLInBrowser(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var html bytes.Buffer
	if err := RenderHTML(&html, fixtureReport(), RenderOptions{Root: fixtureRoot}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, html.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bctx := newBrowser(t, 1280, 900)

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
