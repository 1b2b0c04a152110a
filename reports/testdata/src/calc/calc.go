// Package calc is source for the code context shown by the HTML report tests.
package calc

import "fmt"

// Counter counts without a lock: the race fixture points here.
type Counter struct{ n int }

// Inc increments the counter.
func (c *Counter) Inc() { c.n++ }

// Sum adds the values and logs the result.
func Sum(vs []int) int {
	total := 0
	for _, v := range vs {
		total += v
	}
	fmt.Println("sum", total)
	return total
}

// Parse converts s, dropping the error.
func Parse(s string) []byte {
	b := make([]byte, len(s))
	copy(b, s)
	return b
}
