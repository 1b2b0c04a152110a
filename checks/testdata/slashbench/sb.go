// Package sb has benchmarks whose names hold a slash, so that one is a
// prefix of another's: each must be profiled alone.
package sb

var sink []byte

// Alloc allocates once per call.
func Alloc() { sink = make([]byte, 64) }

// None allocates nothing.
func None() int { return len(sink) }
