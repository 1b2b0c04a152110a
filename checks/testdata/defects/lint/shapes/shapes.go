// Package shapes holds types used unkeyed by vetbugs (composites).
package shapes

// Pair is a pair of ints.
type Pair struct{ A, B int }
