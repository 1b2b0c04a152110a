package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gocap/gocap/reports"
)

// buildGocap builds this command into a temp folder and returns its path.
func buildGocap(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gocap")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runGocap runs gocap check in dir with a JSON report and returns the exit
// code and the parsed report.
func runGocap(t *testing.T, bin, dir string, args ...string) (int, *reports.Report) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(bin, append([]string{"check", "--format", "json", "--out", out}, args...)...)
	cmd.Dir = dir
	stderr, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	rep, rerr := reports.ReadFile(out)
	if rerr != nil {
		t.Fatalf("exit %d, no report: %v\n%s", code, rerr, stderr)
	}
	return code, rep
}

func TestEndToEndDefectsAndClean(t *testing.T) {
	bin := buildGocap(t)
	defects, _ := filepath.Abs("../../checks/testdata/defects")
	clean, _ := filepath.Abs("../../checks/testdata/clean")

	t.Run("defects", func(t *testing.T) {
		code, rep := runGocap(t, bin, defects, "--fail-on", "error")
		if code != 1 {
			t.Errorf("exit code %d, want 1 (--fail-on error with planted defects)", code)
		}
		if len(rep.Checks) < 5 {
			t.Errorf("only %d checks ran", len(rep.Checks))
		}
		for _, c := range rep.Checks {
			if c.Status == reports.StatusError || c.Status == reports.StatusSkipped {
				t.Errorf("check %s: %s: %s", c.ID, c.Status, c.Summary)
			}
			if len(c.Findings) == 0 {
				t.Errorf("check %s found none of its planted defects", c.ID)
			}
		}
		rules := map[string]bool{}
		for _, f := range rep.Findings() {
			rules[f.Check+"/"+f.Rule] = true
		}
		for _, r := range []string{"race/data-race", "race/test-failed", "escape/hot-heap-escape", "pprof/hot-alloc"} {
			if !rules[r] {
				t.Errorf("no %s finding; rules: %v", r, rules)
			}
		}
		if len(rep.Races) == 0 || len(rep.Benchmarks) == 0 || len(rep.Profiles) == 0 || len(rep.Escapes) == 0 {
			t.Errorf("leg data missing: %d races, %d benchmarks, %d profiles, %d escapes", len(rep.Races), len(rep.Benchmarks), len(rep.Profiles), len(rep.Escapes))
		}
		if len(rep.Artifacts) > 0 {
			if err := os.RemoveAll(filepath.Dir(filepath.Dir(rep.Artifacts[0].Path))); err != nil {
				t.Errorf("remove the temp profile folder: %v", err)
			}
		}
		// Without gates the same module exits 0.
		if code, _ := runGocap(t, bin, defects, "--checks", "escape"); code != 0 {
			t.Errorf("exit code %d without gates, want 0", code)
		}
	})

	t.Run("clean", func(t *testing.T) {
		code, rep := runGocap(t, bin, clean, "--fail-on", "error", "--min-score", "90")
		if code != 0 {
			t.Errorf("exit code %d, want 0", code)
		}
		for _, f := range rep.Findings() {
			if f.Severity == reports.SevError {
				t.Errorf("error finding in the clean module: %s %s:%d %s", f.Rule, f.File, f.Line, f.Message)
			}
		}
		if rep.Grade != "A+" {
			t.Errorf("grade %s (score %v), want A+", rep.Grade, rep.Score)
		}
		for _, id := range []string{"style", "dependencies", "concurrency", "memory", "performance"} {
			if d := rep.Dimension(id); d == nil || d.Score == nil {
				t.Errorf("dimension %s not measured: %+v", id, d)
			}
		}
		if len(rep.Artifacts) > 0 {
			if err := os.RemoveAll(filepath.Dir(filepath.Dir(rep.Artifacts[0].Path))); err != nil {
				t.Errorf("remove the profile folder: %v", err)
			}
		}
	})
}
