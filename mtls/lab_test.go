package mtls

import (
	"context"
	"testing"

	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

func TestLab(t *testing.T) {
	var msgs []string
	l := Lab.Run(context.Background(), labs.Options{WorkDir: t.TempDir(), Progress: func(m string) { msgs = append(msgs, m) }})
	if l.Status != reports.StatusPass || l.Dimension != "zerotrust" || len(l.Steps) != 4 {
		t.Fatalf("lab %s %s: %+v", l.Status, l.Summary, l.Steps)
	}
	metric := func(step int, name string) (float64, bool) {
		for _, m := range l.Steps[step].Metrics {
			if m.Name == name {
				return m.Value, true
			}
		}
		return 0, false
	}
	if v, ok := metric(0, "handshake"); !ok || v <= 0 {
		t.Errorf("handshake metric %v %v", v, ok)
	}
	if v, _ := metric(1, "refused"); v != 4 {
		t.Errorf("refused %v", v)
	}
	if v, _ := metric(3, "rotations"); v < 2 {
		t.Errorf("rotations %v", v)
	}
	if v, ok := metric(3, "failed_handshakes"); !ok || v != 0 {
		t.Errorf("failed %v", v)
	}
	for _, s := range l.Steps {
		t.Logf("%s: %s %v", s.Name, s.Summary, s.Metrics)
	}
	if len(msgs) == 0 {
		t.Error("no progress")
	}
}
