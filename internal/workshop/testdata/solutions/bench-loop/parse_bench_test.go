package benchloop

import "testing"

// BenchmarkParse measures Parse on a 500-line file.
func BenchmarkParse(b *testing.B) {
	input := Sample(500)
	for b.Loop() {
		Parse(input)
	}
}
