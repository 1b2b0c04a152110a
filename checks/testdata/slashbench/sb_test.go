package sb

import "testing"

// route:/a/b is a sibling of route:/a, not its child, but its name
// continues route:/a's: -test.bench=^BenchmarkRoute$/^route:$/^a$ runs both.
func BenchmarkRoute(b *testing.B) {
	b.Run("route:/a", func(b *testing.B) {
		for b.Loop() {
			_ = None()
		}
	})
	b.Run("route:/a/b", func(b *testing.B) {
		for b.Loop() {
			Alloc()
		}
	})
}
