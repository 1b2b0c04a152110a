package reportcmd

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/reports"
)

const fixture = "../../../../reports/testdata/golden/report.json"

func run(t *testing.T, args ...string) (int, string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmd(ios, nil)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := cmd.Execute()
	return cmdutil.ExitCode(err), out.String(), errOut.String(), err
}

func write(t *testing.T, dir, name string, r *reports.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := reports.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRender(t *testing.T) {
	dir := t.TempDir()
	code, _, _, err := run(t, "render", fixture, "--format", "html,sarif,junit,md", "--out", dir+"/", "--root", "../../../../reports/testdata/src")
	if code != 0 {
		t.Fatal(err)
	}
	for _, n := range []string{"report.html", "report.sarif", "report.xml", "report.md"} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", n, err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if !strings.Contains(string(html), `fmt.Println(\"sum\", total)`) { // the code context, in the page's finding data
		t.Error("--root: the html has no code context")
	}
	code, out, _, _ := run(t, "render", fixture, "--format", "github")
	if code != 0 || !strings.HasPrefix(out, "::warning file=calc/calc.go,line=10") {
		t.Errorf("github to stdout: %d %q", code, out)
	}
}

// TestBadInput: one clear line and exit 2 for every bad report or flag.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile(fixture)
	files := map[string]string{
		"text.json":      "not json",
		"truncated.json": string(good[:len(good)/3]),
		"v2.json":        strings.Replace(string(good), `"schema_version": 1`, `"schema_version": 2`, 1),
		"array.json":     "[1,2]",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"render", p}, {"merge", fixture, p}, {"diff", fixture, p}} {
			code, out, _, err := run(t, args...)
			if code != cmdutil.ExitUsage || err == nil || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "\n") || out != "" {
				t.Errorf("%v: exit %d %v", args, code, err)
			}
		}
	}
	for _, args := range [][]string{
		{"render", fixture, "--format", "pdf"},
		{"render", fixture, "--out", "/nonexistent/x.html", "--format", "html"},
		{"render", filepath.Join(dir, "missing.json")},
		{"render"},
		{"diff", fixture},
		{"diff", fixture, fixture, "--format", "html"},
		{"diff", fixture, fixture, "--max-alloc-increase", "lots"},
		{"merge", fixture, "--out", "/nonexistent/m.json"},
	} {
		code, _, _, err := run(t, args...)
		if code != cmdutil.ExitUsage && !(code == cmdutil.ExitInternal && isCobraArgs(err)) {
			t.Errorf("%v: exit %d %v", args, code, err)
		}
	}
}

// isCobraArgs: argument-count errors are mapped to exit 2 by the root command.
func isCobraArgs(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "arg(s)") || strings.Contains(err.Error(), "invalid argument"))
}

func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	mk := func(mod, file string) *reports.Report {
		r := &reports.Report{SchemaVersion: reports.SchemaVersion, Tool: reports.Tool{Name: "gocap"}, Module: mod,
			Checks: []reports.Check{{ID: "fmt", Status: reports.StatusFail, Measures: []string{"style"}, Findings: []reports.Finding{
				{Check: "fmt", Rule: "gofmt", Dimension: "style", Severity: reports.SevError, File: file, Line: 1, Message: "m"}}}}}
		reports.Score(r, nil)
		return r
	}
	a, b := write(t, dir, "a.json", mk("m", "a.go")), write(t, dir, "b.json", mk("m", "b.go"))
	out := filepath.Join(dir, "merged.json")
	if code, _, _, err := run(t, "merge", a, b, "--out", out); code != 0 {
		t.Fatal(err)
	}
	m, err := reports.ReadFile(out)
	if err != nil || len(m.Findings()) != 2 || *m.Score != math.Round(reports.DensityScore(2*reports.PointsError, 0)*10)/10 {
		t.Errorf("merged: %v %+v", err, m)
	}
	o := write(t, dir, "other.json", mk("other", "c.go"))
	code, _, _, err := run(t, "merge", a, o)
	if code != cmdutil.ExitUsage || !strings.Contains(err.Error(), `other.json is of module "other"`) {
		t.Errorf("other module: exit %d %v", code, err)
	}
}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	mk := func(allocs float64) *reports.Report {
		r := &reports.Report{SchemaVersion: reports.SchemaVersion, Tool: reports.Tool{Name: "gocap"}, Module: "m", Checks: []reports.Check{}}
		b := reports.Benchmark{Package: "m/p", Name: "BenchmarkX", Runs: 8}
		for i := 0; i < 8; i++ {
			b.Samples = append(b.Samples, reports.BenchRun{NsPerOp: 100 + float64(i%3), AllocsPerOp: allocs, BytesPerOp: allocs * 8})
		}
		r.Benchmarks = []reports.Benchmark{b}
		return r
	}
	old, same, worse := write(t, dir, "old.json", mk(10)), write(t, dir, "same.json", mk(10)), write(t, dir, "worse.json", mk(11))
	if code, _, _, err := run(t, "diff", old, same, "--max-alloc-increase", "2%"); code != 0 {
		t.Errorf("no change: exit %d %v", code, err)
	}
	code, out, _, err := run(t, "diff", old, worse, "--max-alloc-increase", "2%")
	if code != cmdutil.ExitGate || !strings.Contains(err.Error(), "m/p.BenchmarkX allocs/op grew +10.0% (limit +2%") || !strings.Contains(out, "+10.0%") {
		t.Errorf("10%% more allocs over a 2%% limit: exit %d %v\n%s", code, err, out)
	}
	if code, _, _, _ := run(t, "diff", old, worse, "--max-alloc-increase", "20"); code != 0 {
		t.Errorf("within a 20%% limit: exit %d", code)
	}
	code, out, _, _ = run(t, "diff", old, worse, "--format", "md")
	if code != 0 || !strings.Contains(out, "| m/p.BenchmarkX | allocs/op | 10 | 11 | +10.0% |") {
		t.Errorf("md: %d\n%s", code, out)
	}
}
