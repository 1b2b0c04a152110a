package stall

import (
	"runtime"
	"testing"
)

// BenchmarkStall starts a GC while another goroutine spins where it cannot
// be preempted: the stop-the-world lasts until the spin ends.
func BenchmarkStall(b *testing.B) { // want "gc-pause"
	for b.Loop() {
		done := make(chan struct{})
		go func() {
			Spin(150_000_000)
			close(done)
		}()
		for !Running() {
			runtime.Gosched()
		}
		runtime.GC()
		<-done
	}
}

func BenchmarkSum(b *testing.B) {
	xs := make([]int, 1024)
	for b.Loop() {
		_ = Sum(xs)
	}
}
