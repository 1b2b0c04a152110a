// Package copies plants an unused write (unusedwrite skips packages that
// import unsafe, so it cannot live in vetbugs).
package copies

type point struct{ x, y int }

// Reset writes to copies of the elements.
func Reset(ps []point) {
	for _, p := range ps {
		p.x = 0 // want "unusedwrite: unused write to field x"
	}
}
