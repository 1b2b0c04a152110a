// Package hot holds a planted hot allocation: Parse allocates a Point on the
// heap for every call, and its benchmark spends most of its time there.
package hot

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
