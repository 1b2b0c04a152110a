// Package failing holds a planted bug caught by its own test.
package failing

// Abs returns the absolute value of x. Bug: it returns x for negatives.
func Abs(x int) int {
	if x > 0 {
		return -x
	}
	return x
}
