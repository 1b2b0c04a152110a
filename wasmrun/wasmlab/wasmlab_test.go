package wasmlab

import (
	"context"
	"testing"

	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

func TestLab(t *testing.T) {
	l := Lab.Run(context.Background(), labs.Options{WorkDir: t.TempDir()})
	if len(l.Steps) != 12 {
		t.Fatalf("%d steps", len(l.Steps))
	}
	for _, s := range l.Steps {
		if s.Status != reports.StatusPass {
			t.Errorf("%s: %s: %s", s.Name, s.Status, s.Reason)
		}
		if len(s.Metrics) == 0 {
			t.Errorf("%s: no metrics", s.Name)
		}
	}
	if l.Status != reports.StatusPass || l.Dimension != "wasm" {
		t.Errorf("lab %s in %q: %s", l.Status, l.Dimension, l.Summary)
	}
	if m := l.Steps[0].Metrics; m[0].Name != "cold_compile" || m[0].Value <= m[1].Value {
		t.Errorf("cold compile %v not slower than warm %v: was the cache already warm?", m[0], m[1])
	}
}

func TestLabInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := Lab.Run(ctx, labs.Options{WorkDir: t.TempDir()})
	if len(l.Steps) != 0 {
		t.Errorf("ran %d steps after cancel", len(l.Steps))
	}
}
