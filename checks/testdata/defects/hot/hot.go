// Package hot holds a planted hot allocation: Parse allocates a Point on the
// heap for every call, and its benchmark spends most of its time there.
package hot

import "strings"

// Point is a 2D point.
type Point struct{ X, Y, Z int }

// Parse returns the number in s; the global keeps its Point on the heap.
//
//go:noinline
func Parse(s string) int {
	p := &Point{} // want "hot-heap-escape"
	for i := 0; i < len(s); i++ {
		p.X = p.X*10 + int(s[i]-'0')
	}
	p.Y, p.Z = p.X*2, p.X*3
	last = p
	return p.X
}

// last is the most recent Point Parse built.
var last *Point

// Sum parses each string and adds the numbers.
func Sum(ss []string) int {
	t := 0
	for _, s := range ss {
		t += Parse(s)
	}
	return t
}

// padded is the last string Pad built.
var padded string

// Pad keeps s repeated n times in padded: strings.Repeat allocates the
// string on every call, and no escape of this package explains it.
//
//go:noinline
func Pad(s string, n int) {
	padded = strings.Repeat(s, n) // want "hot-alloc hot.Pad allocates on every benchmarked op \\(allocates 1 per op in BenchmarkText/pad\\)"
}

// Label returns "n" repeated n times: the string is the result, so the
// allocation is its contract.
//
//go:noinline
func Label(n int) string {
	return strings.Repeat("n", n) // want "returned-alloc hot.Label allocates the result it returns on every benchmarked op \\(allocates 1 per op in BenchmarkText/label\\)"
}
