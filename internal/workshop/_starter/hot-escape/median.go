// Package hotescape computes latency percentiles on a request's hot path.
package hotescape

import "sort"

// Median returns the median of xs without reordering xs. scratch is a
// buffer the caller reuses between calls, so the copy costs no allocation.
func Median(xs, scratch []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append(scratch[:0], xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
