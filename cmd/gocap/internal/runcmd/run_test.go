package runcmd

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

// TestRunAddsLabsWithoutMovingTheScore: gocap run reports its labs in their
// own section with their own pass counts, and the module's score, grade and
// dimensions are those of the same checks without labs.
func TestRunAddsLabsWithoutMovingTheScore(t *testing.T) {
	var gotDir string
	fake := []labs.Lab{{ID: "fake", Name: "Fake lab", Dimension: "wasm", Run: func(ctx context.Context, o labs.Options) reports.Lab {
		gotDir = o.WorkDir
		time.Sleep(300 * time.Millisecond) // the report's duration must cover it
		l := reports.Lab{}
		l.Steps = append(l.Steps,
			labs.Step("ok", func() (string, []reports.Metric, error) { return "fine", []reports.Metric{{Name: "x", Value: 1}}, nil }),
			labs.Step("broken", func() (string, []reports.Metric, error) { return "", nil, context.DeadlineExceeded }),
			labs.Step("unsupported", func() (string, []reports.Metric, error) { return "", nil, &labs.Skip{Reason: "no hook"} }))
		return l
	}}}
	clean, _ := filepath.Abs("../../../../checks/testdata/clean")
	run := func(extra ...string) reports.Report {
		ios, _, out, errOut := iostreams.Test()
		cmd := NewCmd(ios, []*checks.Check{checks.Vet, checks.Fmt}, fake, nil)
		cmd.SetArgs(append([]string{"-C", clean, "--checks", "fmt", "--format", "json", "--no-config"}, extra...))
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("run %v: %v (%s)", extra, err, errOut)
		}
		var rep reports.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := run()
	without := run("--no-labs")
	if len(without.Labs) != 0 || without.LabTotals != nil {
		t.Fatalf("--no-labs ran labs: %+v", without.Labs)
	}
	if rep.Score == nil || without.Score == nil || *rep.Score != *without.Score || rep.Grade != without.Grade || len(rep.Dimensions) != len(without.Dimensions) {
		t.Fatalf("labs moved the module's verdict: %v %s %d dims with labs, %v %s %d without", rep.Score, rep.Grade, len(rep.Dimensions), without.Score, without.Grade, len(without.Dimensions))
	}
	if len(rep.Labs) != 1 || rep.Labs[0].ID != "fake" || rep.Labs[0].Dimension != "wasm" || len(rep.Labs[0].Steps) != 3 {
		t.Fatalf("labs = %+v", rep.Labs)
	}
	if d := rep.Dimension("wasm"); d != nil {
		t.Fatalf("a lab became a module dimension: %+v", d)
	}
	if lt := rep.LabTotals; lt == nil || lt.Labs != 1 || lt.Passed != 1 || lt.Failed != 1 || lt.Skipped != 1 {
		t.Fatalf("lab totals = %+v, want 1 lab: 1 passed, 1 failed, 1 skipped", lt)
	}
	if rep.Labs[0].Steps[2].Status != reports.StatusSkipped || rep.Labs[0].Steps[2].Reason != "no hook" {
		t.Fatalf("skip step = %+v", rep.Labs[0].Steps[2])
	}
	if gotDir == "" || !strings.Contains(gotDir, "gocap-lab-fake-") {
		t.Fatalf("work dir = %q", gotDir)
	}
	if rep.Check("fmt") == nil {
		t.Fatal("the check part is missing")
	}
	if rep.DurationMS < 300 {
		t.Errorf("report duration %d ms leaves out the lab's 300 ms", rep.DurationMS)
	}
}

func TestRunRejectsUnknownLab(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmd(ios, []*checks.Check{checks.Fmt}, nil, func(context.Context, *Options) error { t.Fatal("ran"); return nil })
	cmd.SetArgs([]string{"--labs", "nope"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), `unknown lab "nope"`) {
		t.Fatalf("err = %v", err)
	}
}
