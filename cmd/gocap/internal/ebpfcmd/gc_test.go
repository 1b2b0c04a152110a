package ebpfcmd

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
)

func TestGCUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"gc"},
		{"gc", "--exe", "/bin/true", "--pid", "1"},
		{"gc", "--exe", "/nonexistent/prog"},
		{"gc", "--exe", "/bin/true"}, // not a Go binary: one line says so
		{"gc", "--pid", "999999999"},
		{"gc", "--duration", "-1s", "--exe", "/bin/true"},
		{"gc", "prog"},
	} {
		_, errOut, code := run(t, args...)
		if code != cmdutil.ExitUsage || strings.Count(strings.TrimSpace(errOut), "\n") > 0 || !strings.HasPrefix(errOut, "gocap: ") {
			t.Errorf("%v: exit %d, %q; want exit 2 and one line", args, code, errOut)
		}
	}
}

// TestGCCommandJSON: one JSON line per pause, then the summary whose counts
// agree with the lines.
func TestGCCommandJSON(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "gcprog")
	if out, err := exec.Command("go", "build", "-o", prog, "../../../../ebpfprobe/testdata/gcprog").CombinedOutput(); err != nil {
		t.Fatalf("building gcprog: %v\n%s", err, out)
	}
	leakFree(t, func() {
		out, errOut, code := run(t, "gc", "--json", "--", prog, "-gcs", "10", "-memstats", "3", "-alloc", "2")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var sum struct {
			Summary struct {
				Pauses   int   `json:"pauses"`
				GCPauses int   `json:"gc_pauses"`
				P50      int64 `json:"p50_ns"`
				P99      int64 `json:"p99_ns"`
				Max      int64 `json:"max_ns"`
				ByReason map[string]struct {
					Count int `json:"count"`
				} `json:"by_reason"`
			} `json:"summary"`
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
			t.Fatalf("summary line %q: %v", lines[len(lines)-1], err)
		}
		gc := 0
		for _, l := range lines[:len(lines)-1] {
			var p struct {
				Reason string `json:"reason"`
				GC     bool   `json:"gc"`
				Total  int64  `json:"total_ns"`
			}
			if err := json.Unmarshal([]byte(l), &p); err != nil || p.Reason == "" || p.Total <= 0 {
				t.Fatalf("pause line %q: %v", l, err)
			}
			if p.GC {
				gc++
			}
		}
		s := sum.Summary
		if s.Pauses != len(lines)-1 || s.GCPauses != gc || gc < 20 || s.ByReason["read mem stats"].Count < 3 || s.P50 <= 0 || s.P99 < s.P50 || s.Max < s.P99 {
			t.Errorf("summary %+v for %d lines (%d GC)", s, len(lines)-1, gc)
		}
		if !strings.Contains(errOut, `"num_gc"`) {
			t.Errorf("the command's own output should go to stderr: %q", errOut)
		}
	})
}

// TestGCLiveView: on a terminal the live line is redrawn on stderr while
// the command runs, then the summary goes to stdout.
func TestGCLiveView(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "gcprog")
	if out, err := exec.Command("go", "build", "-o", prog, "../../../../ebpfprobe/testdata/gcprog").CombinedOutput(); err != nil {
		t.Fatalf("building gcprog: %v\n%s", err, out)
	}
	leakFree(t, func() {
		ios, _, out, errOut := iostreams.Test()
		ios.SetStdoutTTY(true)
		ios.SetStderrTTY(true)
		o := &GCOptions{IO: ios, Cmd: []string{prog, "-gcs", "5", "-memstats", "1", "-alloc", "1", "-loop", "1s"}}
		if err := RunGC(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut.String(), "\r⏱") || !strings.Contains(errOut.String(), "pauses (") {
			t.Errorf("no live line on stderr: %q", errOut.String())
		}
		for _, want := range []string{"usecs", "REASON", "GC mark termination", "read mem stats", "p99"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("summary lacks %q:\n%s", want, out.String())
			}
		}
	})
}
