package runcmd

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

func TestRunAddsLabsAndScoresTheirDimension(t *testing.T) {
	saved := Registered
	t.Cleanup(func() { Registered = saved })
	var gotDir string
	Registered = []labs.Lab{{ID: "fake", Name: "Fake lab", Dimension: "wasm", Run: func(ctx context.Context, o labs.Options) reports.Lab {
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
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmd(ios, nil)
	cmd.SetArgs([]string{"-C", clean, "--checks", "fmt", "--format", "json", "--no-config"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("run: %v (%s)", err, errOut)
	}
	var rep reports.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Labs) != 1 || rep.Labs[0].ID != "fake" || rep.Labs[0].Dimension != "wasm" || len(rep.Labs[0].Steps) != 3 {
		t.Fatalf("labs = %+v", rep.Labs)
	}
	d := rep.Dimension("wasm")
	if d == nil || d.Score == nil || *d.Score != 50 {
		t.Fatalf("wasm dimension = %+v, want 50 (1 of 2 counted steps)", d)
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
	cmd := NewCmd(ios, func(context.Context, *Options) error { t.Fatal("ran"); return nil })
	cmd.SetArgs([]string{"--labs", "nope"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), `unknown lab "nope"`) {
		t.Fatalf("err = %v", err)
	}
}
