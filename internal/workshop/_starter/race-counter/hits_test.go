package racecounter

import (
	"sync"
	"testing"
)

// TestConcurrentHits: 8 goroutines add 500 hits each while others read.
// Under go test -race the detector must stay silent.
func TestConcurrentHits(t *testing.T) {
	for round := 0; round < 5; round++ {
		h := New()
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 500; i++ {
					h.Add("/home")
					_ = h.Count("/home")
					_ = h.Total()
				}
			}()
		}
		wg.Wait()
		if got := h.Total(); got != 4000 {
			t.Fatalf("round %d: Total() = %d, want 4000", round, got)
		}
		if got := h.Count("/home"); got != 4000 {
			t.Fatalf("round %d: Count(/home) = %d, want 4000", round, got)
		}
	}
}
