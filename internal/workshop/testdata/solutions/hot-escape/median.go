// Package hotescape computes latency percentiles on a request's hot path.
package hotescape

import "slices"

// Median returns the median of xs without reordering xs. scratch is a
// buffer the caller reuses between calls, so the copy costs no allocation.
func Median(xs, scratch []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append(scratch[:0], xs...)
	slices.Sort(s) // generic: no interface conversion, s stays on the stack
	return s[len(s)/2]
}
