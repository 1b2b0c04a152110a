package runtimelab

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/ebpftestlock"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

// TestMain takes the eBPF tests lock: the lab attaches the GC tracer.
func TestMain(m *testing.M) {
	unlock, err := ebpftestlock.Lock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "runtimelab tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	unlock()
	os.Exit(code)
}

// TestLab runs the lab: the sample builds, answers the 10k/s load, and each
// mark is judged (held, or not held with the machine's load named); as
// root the service's pauses come from the eBPF tracer.
func TestLab(t *testing.T) {
	l := Lab.Run(context.Background(), labs.Options{WorkDir: t.TempDir()})
	if len(l.Steps) != 4 {
		t.Fatalf("steps %+v", l.Steps)
	}
	for _, s := range l.Steps {
		t.Logf("%s %s: %s %s", s.Status, s.Name, s.Summary, s.Reason)
	}
	if l.Steps[0].Status != reports.StatusPass || l.Steps[1].Status != reports.StatusPass {
		t.Fatalf("build/load steps: %+v", l.Steps[:2])
	}
	ms := map[string]float64{}
	for _, m := range l.Steps[1].Metrics {
		ms[m.Name] = m.Value
	}
	if ms["rate_asked"] != Rate || ms["rate_achieved"] <= 0 || ms["p99"] <= 0 || ms["success"] < 0.99 || ms["stw_pauses"] < 1 {
		t.Errorf("load metrics %v", ms)
	}
	if !strings.Contains(l.Steps[1].Summary, "(ebpf)") && os.Geteuid() == 0 {
		t.Errorf("as root the pauses should come from the eBPF tracer: %s", l.Steps[1].Summary)
	}
	for _, s := range l.Steps[2:] {
		switch s.Status {
		case reports.StatusPass:
			if !strings.HasPrefix(s.Summary, "held") {
				t.Errorf("%s: %q", s.Name, s.Summary)
			}
		case reports.StatusFail:
			if !strings.Contains(s.Reason, "not held on this machine") || !strings.Contains(s.Reason, "CPUs") {
				t.Errorf("%s: %q", s.Name, s.Reason)
			}
		default:
			t.Errorf("%s: %s (%s)", s.Name, s.Status, s.Reason)
		}
	}
}
