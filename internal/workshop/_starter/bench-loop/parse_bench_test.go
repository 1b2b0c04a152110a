package benchloop

import "testing"

// BenchmarkParse measures Parse on a 500-line file. This is the file to fix.
func BenchmarkParse(b *testing.B) {
	for i := 0; i < b.N; i++ {
		input := Sample(500)
		Parse(input)
	}
}
