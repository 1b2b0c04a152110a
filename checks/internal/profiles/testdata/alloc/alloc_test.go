package alloc

import "testing"

func BenchmarkWork(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		Work(i%1000+300, "abc")
		if len(sinks) > 1000 {
			sinks = nil
		}
	}
}
