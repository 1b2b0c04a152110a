package ebpfprobe

import (
	"context"
	"testing"

	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

// TestLab runs the whole lab: every step passes on this machine.
func TestLab(t *testing.T) {
	l := Lab.Run(context.Background(), labs.Options{WorkDir: t.TempDir()})
	for _, s := range l.Steps {
		t.Logf("%-45s %-7s %5dms %s %s", s.Name, s.Status, s.DurationMS, s.Summary, s.Reason)
		if s.Status != reports.StatusPass {
			t.Errorf("step %q: %s: %s", s.Name, s.Status, s.Reason)
		}
		if len(s.Metrics) == 0 {
			t.Errorf("step %q has no metrics", s.Name)
		}
	}
	if l.Status != reports.StatusPass || l.Dimension != "ebpf" {
		t.Errorf("lab status %s dimension %s", l.Status, l.Dimension)
	}
}
