// Package ok builds and is tested.
package ok

// Double returns twice n.
func Double(n int) int { return 2 * n }
