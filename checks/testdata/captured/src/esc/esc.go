package esc

import "fmt"

// T holds a name.
type T struct{ name string }

var sink any

// Name leaks its receiver.
func (t *T) Name() *string { return &t.name }

// Store moves x to the heap.
func Store(x int) *int {
	y := x
	return &y
}

// Hello escapes through fmt.
func Hello(s string) string {
	return fmt.Sprint("hello ", s)
}

// Later returns a closure capturing n.
func Later(n int) func() int {
	return func() int {
		f := func() int { n++; return n }
		return f()
	}
}

// Box stores a value in a global.
func Box[V any](v V) {
	sink = &v
}

func init() { Box(1) }
