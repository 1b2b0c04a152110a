package checks

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/reports"
)

// TestGCLegFlagsLongPause: the benchmark planted to stall a stop-the-world
// (a GC started while a goroutine spins in a //go:nosplit loop) is an error
// at its declaration; the ordinary benchmark beside it is not flagged.
func TestGCLegFlagsLongPause(t *testing.T) {
	env := testEnv(t, "runtime")
	env.Patterns = []string{"./stall"}
	env.BenchTime = "100ms"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := GC.Run(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("summary: %s", res.Summary)
	wants := rtWants(t, env.Dir, "stall")
	if len(wants) != 1 {
		t.Fatalf("want marks %v", wants)
	}
	var errs []reports.Finding
	for _, f := range res.Findings {
		if f.Severity == reports.SevError {
			errs = append(errs, f)
		}
	}
	w := wants[0]
	if len(errs) != 1 || errs[0].File != w.file || errs[0].Line != w.line || !w.re.MatchString(errs[0].Rule+" "+errs[0].Message) || errs[0].Dimension != reports.DimMemory {
		t.Fatalf("errors %+v, want one gc-pause at %s:%d", errs, w.file, w.line)
	}
	if !strings.Contains(errs[0].Message, "BenchmarkStall") {
		t.Errorf("message %q", errs[0].Message)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "BenchmarkSum") && f.Rule == "gc-pause" {
			t.Errorf("BenchmarkSum flagged: %+v", f)
		}
	}
	if !strings.Contains(res.Summary, "2 benchmarks") || !strings.Contains(res.Summary, "GC cycles") {
		t.Errorf("summary %q", res.Summary)
	}
}

func TestParseGCTraceAttributes(t *testing.T) {
	out := `gc 1 @0.001s 3%: 0.24+0.19+0.003 ms clock, 0.48+0/0.10/0.16+0.006 ms cpu, 0->0->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
goos: linux
BenchmarkA
gc 2 @0.005s 2%: 0.16+0.17+0.002 ms clock, 0.33+0/0.11/0.077+0.005 ms cpu, 0->0->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
gc 3 @0.009s 11%: 60+24+0.025 ms clock, 0.13+0/7.6/0+0.050 ms cpu, 0->0->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
BenchmarkA-2   	       1	1240479491 ns/op
BenchmarkB
BenchmarkB/small
gc 4 @1.262s 0%: 0.22+0.12+0.003 ms clock, 0.44+0/0.12/0.098+0.006 ms cpu, 0->0->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
BenchmarkB/small-2 	   10000	     12219 ns/op
PASS
`
	bs := parseGCTrace([]byte(out))
	if len(bs) != 2 || bs[0].name != "BenchmarkA" || bs[1].name != "BenchmarkB/small" {
		t.Fatalf("%+v", bs)
	}
	a := bs[0]
	if a.cycles != 1 || a.forced != 1 || len(a.pauses) != 4 || a.pauses[2] != 60*time.Millisecond || a.pauses[3] != 25*time.Microsecond {
		t.Errorf("A: %+v", a)
	}
	if bs[1].cycles != 1 || len(bs[1].pauses) != 2 {
		t.Errorf("B/small: %+v", bs[1])
	}
}

func TestCPUJiffies(t *testing.T) {
	busy, total, err := cpuJiffies()
	if err != nil || total == 0 || busy > total {
		t.Fatalf("busy %d total %d: %v", busy, total, err)
	}
}

// TestOptInLegs: gc and leak run only when named: by default gocap check
// does not run the tests and benchmarks a second time.
func TestOptInLegs(t *testing.T) {
	all := []*Check{Fmt, GC, Leak}
	def, err := Select(all, nil, nil)
	if err != nil || len(def) != 1 || def[0] != Fmt {
		t.Errorf("default selection %v (%v), want fmt only", IDs(def), err)
	}
	named, err := Select(all, []string{"gc", "leak"}, nil)
	if err != nil || len(named) != 2 {
		t.Errorf("--checks gc,leak: %v (%v)", IDs(named), err)
	}
}
