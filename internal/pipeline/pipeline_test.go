package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

// allChecks mirrors cmd/gocap/internal/root.Checks (which this package
// cannot import): every leg, in report order.
var allChecks = []*checks.Check{checks.Vet, checks.Fmt, checks.Tidy, checks.Race, checks.Escape, checks.Pprof, checks.Errors, checks.Logging}

func gradeRank(g string) int { return strings.Index("F E D C B A A+", g) }

// TestCalibrationCorpus runs every leg over the calibration modules and
// asserts their grade bands and the default gate's verdict: a module that
// does not build is F and fails; one whose only defect is a data race is C
// or lower and fails; the module with every planted defect is D or lower; a
// clean module is A or better and passes.
func TestCalibrationCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test -race and benchmarks on four modules")
	}
	cases := []struct {
		dir       string
		best      string // the best grade allowed
		worst     string // the worst grade allowed
		gateFails bool
		blocker   string // a rule Report.Blockers must name
	}{
		{"testdata/broken", "F", "F", true, reports.RuleTypecheck},
		{"testdata/racy", "C", "F", true, reports.RuleDataRace},
		{"../../checks/testdata/defects", "D", "F", true, reports.RuleDataRace},
		{"../../checks/testdata/clean", "A+", "A", false, ""},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			dir, _ := filepath.Abs(c.dir)
			res, err := Run(context.Background(), Config{Dir: dir, Checks: allChecks, BenchTime: "20ms", Timeout: 8 * time.Minute, Gate: Gate{MaxScoreDrop: -1}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Cut != nil {
				t.Fatalf("cut short: %v", res.Cut)
			}
			r := res.Report
			if g := gradeRank(r.Grade); g < gradeRank(c.worst) || g > gradeRank(c.best) {
				t.Errorf("grade %s (score %v), want %s to %s; blockers %+v", r.Grade, r.Score, c.worst, c.best, r.Blockers)
			}
			err = res.Gate()
			if c.gateFails != (cmdutil.ExitCode(err) == cmdutil.ExitGate) {
				t.Errorf("gate: %v, want failing %v", err, c.gateFails)
			}
			found := c.blocker == ""
			for _, b := range r.Blockers {
				found = found || b.Rule == c.blocker
			}
			if !found {
				t.Errorf("blockers %+v do not name %s", r.Blockers, c.blocker)
			}
			if c.blocker == "" && len(r.Blockers) > 0 {
				t.Errorf("clean module has blockers %+v", r.Blockers)
			}
			if r.Coverage == nil || *r.Coverage <= 0 || *r.Coverage > 1 {
				t.Errorf("coverage %v", r.Coverage)
			}
			for _, f := range r.Findings() {
				if f.Dimension != "" && !reports.KnownDimension(f.Dimension) {
					t.Errorf("finding %s/%s has unknown dimension %q", f.Check, f.Rule, f.Dimension)
				}
			}
		})
	}
}

// fake legs for the cut-off tests: fast reports at once, slow blocks until
// its ctx ends and then returns what it "had seen".
var (
	fast = &checks.Check{ID: "fast", Name: "fast leg", Measures: []string{reports.DimStyle}, Run: func(context.Context, *checks.Env) (*checks.Result, error) {
		return &checks.Result{Summary: "done", Findings: []reports.Finding{{Rule: "r", Dimension: reports.DimStyle, Severity: reports.SevWarning, File: "calc/calc.go", Line: 1, Message: "fast finding"}}}, nil
	}}
	slow = &checks.Check{ID: "slow", Name: "slow leg", Measures: []string{reports.DimConcurrency}, Run: func(ctx context.Context, _ *checks.Env) (*checks.Result, error) {
		<-ctx.Done()
		return &checks.Result{Summary: "2 of 5 packages done", Findings: []reports.Finding{{Rule: reports.RuleDataRace, Dimension: reports.DimConcurrency, Severity: reports.SevError, File: "calc/calc.go", Line: 2, Message: "seen before the end"}},
			NotMeasured: []reports.NotMeasured{{Package: "example.com/clean/cmd/calc", Reason: "cut off"}}}, ctx.Err()
	}}
)

func checkCut(t *testing.T, res *Result, status reports.Status) {
	t.Helper()
	r := res.Report
	if f := r.Check("fast"); f == nil || f.Status != reports.StatusPass || len(f.Findings) != 1 {
		t.Fatalf("the finished leg is not reported whole: %+v", f)
	}
	s := r.Check("slow")
	if s == nil || s.Status != status || len(s.Findings) != 1 || !strings.Contains(s.Summary, "2 of 5 packages done") {
		t.Fatalf("the cut leg: %+v, want status %s with what it had seen", s, status)
	}
	if s.Coverage == nil || s.Coverage.Measured != 1 || s.Coverage.Selected != 2 {
		t.Errorf("the cut leg's coverage: %+v, want 1 of 2", s.Coverage)
	}
	if r.Score == nil || len(r.Blockers) != 1 {
		t.Errorf("the cut report is not scored: score %v blockers %+v", r.Score, r.Blockers)
	}
}

// TestInterruptKeepsTheWork: Ctrl-C (the caller's context cancelled) after
// one leg finished: that leg is reported whole, the other with status
// interrupted and what it had seen, the report is scored, Cut is
// context.Canceled (exit 3).
func TestInterruptKeepsTheWork(t *testing.T) {
	dir, _ := filepath.Abs("../../checks/testdata/clean")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	prog := func(task, msg string) {
		if task == "fast" && strings.HasPrefix(msg, "done") {
			once.Do(cancel) // the fast leg is done: press Ctrl-C
		}
	}
	labRan := false
	lab := labs.Lab{ID: "l", Run: func(context.Context, labs.Options) reports.Lab { labRan = true; return reports.Lab{} }}
	res, err := Run(ctx, Config{Dir: dir, Checks: []*checks.Check{fast, slow}, Labs: []labs.Lab{lab}, Progress: prog, Gate: Gate{MaxScoreDrop: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(res.Cut, context.Canceled) || cmdutil.ExitCode(res.Cut) != cmdutil.ExitInternal {
		t.Fatalf("Cut = %v, want context.Canceled (exit 3)", res.Cut)
	}
	checkCut(t, res, reports.StatusInterrupted)
	if labRan {
		t.Error("a lab ran after the interrupt")
	}
}

// TestTimeoutKeepsTheWork: --timeout passes while a leg runs: the finished
// leg is reported whole, the other with status timeout and what it had
// seen; Cut is a tool error naming --timeout (exit 3).
func TestTimeoutKeepsTheWork(t *testing.T) {
	dir, _ := filepath.Abs("../../checks/testdata/clean")
	// The deadline leaves go list (before the legs) ample time on a busy
	// machine; the slow leg only ends when it passes.
	res, err := Run(context.Background(), Config{Dir: dir, Checks: []*checks.Check{fast, slow}, Timeout: 20 * time.Second, Gate: Gate{MaxScoreDrop: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cut == nil || !errors.Is(res.Cut, cmdutil.ErrTool) || !strings.Contains(res.Cut.Error(), "--timeout 20s") {
		t.Fatalf("Cut = %v, want a tool error naming --timeout", res.Cut)
	}
	checkCut(t, res, reports.StatusTimeout)
}
