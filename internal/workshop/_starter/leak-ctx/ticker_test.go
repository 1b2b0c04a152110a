package leakctx

import (
	"context"
	"runtime"
	"testing"
	"time"

	"example.com/workshop/internal/measure"
)

// TestStopsOnCancel reads a few ticks, cancels, and expects the producer to
// end (its goroutine gone, the channel closed).
func TestStopsOnCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	ch := Ticks(ctx)
	for i := 0; i < 3; i++ {
		if got := <-ch; got != i {
			t.Fatalf("tick %d = %d", i, got)
		}
	}
	cancel()
	// Give the producer up to 2 s to notice the cancellation and return.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	leaked := runtime.NumGoroutine() - before
	measure.Report(t, "leaked_goroutines", max(leaked, 0))
	if leaked > 0 {
		t.Fatalf("%d goroutine(s) still running after cancel: the producer blocks on its send forever", leaked)
	}
	closed := false
	select {
	case _, ok := <-ch:
		closed = !ok
	default:
	}
	if !closed {
		t.Fatal("the channel is not closed after the producer ended: a consumer ranging over it would hang")
	}
}
