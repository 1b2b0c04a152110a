// Package counter counts without a lock: its only defect is a data race,
// which its test exercises (the calibration corpus's "one data race" case).
package counter

// Counter counts events.
type Counter struct{ n int }

// Inc adds one.
func (c *Counter) Inc() { c.n++ }

// N returns the count.
func (c *Counter) N() int { return c.n }
