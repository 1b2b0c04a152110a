// Package sc plants staticcheck and modernize findings.
package sc

import (
	"context"
	"strings"
)

// WithUser stores a value under a built-in string key, which collides
// with any other package's "user" key.
func WithUser(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, "user", name) // want "SA1029: should not use built-in type string as key"
}

// Title uses a deprecated function.
func Title(s string) string {
	return strings.Title(s) // want "SA1019: strings.Title has been deprecated"
}

// Count assigns a value that is never read.
func Count(xs []int) int {
	n := len(xs) // want "SA4006: this value of n is never used"
	n = 0
	for range xs {
		n++
	}
	return n
}

func helper() int { return 1 } // want "U1000: func helper is unused"

// Sum loops the old way and takes interface{}.
func Sum(n int, _ interface{}) int { // want "any: interface.. can be replaced by any"
	s := 0
	for i := 0; i < n; i++ { // want "rangeint: for loop can be modernized"
		s += i
	}
	return s
}
