// Package stall holds a planted defect for gocap's gc leg: a loop that
// cannot be preempted, which holds up every stop-the-world while it runs.
package stall

import "sync/atomic"

var (
	running atomic.Bool
	sink    uint64
)

// Spin runs n iterations in a //go:nosplit function (not inlined into a
// preemptible caller): no safe point for the
// scheduler's asynchronous preemption, so a GC that starts meanwhile waits
// for it to finish before the world is stopped.
//
//go:nosplit
//go:noinline
func Spin(n int) {
	running.Store(true)
	acc := uint64(1)
	for i := 0; i < n; i++ {
		acc = acc*6364136223846793005 + uint64(i)
	}
	sink = acc
	running.Store(false)
}

// Running reports whether Spin has started and not finished.
func Running() bool { return running.Load() }

// Sum is ordinary code: it allocates a little and is preemptible.
func Sum(xs []int) int {
	buf := make([]int, len(xs))
	copy(buf, xs)
	s := 0
	for _, x := range buf {
		s += x
	}
	return s
}
