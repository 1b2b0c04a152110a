package alloc

import (
	"bytes"
	"testing"
)

func BenchmarkWork(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		Work(i%1000+300, "abc")
		if len(sinks) > 1000 {
			sinks = nil
		}
	}
}

func BenchmarkLog(b *testing.B) {
	p := make([]byte, 64)
	for b.Loop() {
		var buf bytes.Buffer
		for range 64 {
			Log(&buf, p)
		}
		own = bytes.Buffer{}
	}
}
