package hotescape

import "testing"

func TestMedian(t *testing.T) {
	xs := []float64{5, 3, 9, 1, 7}
	if got := Median(xs, nil); got != 5 {
		t.Fatalf("Median = %v, want 5", got)
	}
	if xs[0] != 5 || xs[4] != 7 {
		t.Fatalf("Median reordered its input: %v", xs)
	}
	if Median(nil, nil) != 0 {
		t.Fatal("Median(nil) must be 0")
	}
}

// BenchmarkMedian reuses one scratch buffer, as the request path does.
func BenchmarkMedian(b *testing.B) {
	xs := []float64{12, 5, 33, 8, 41, 2, 19, 27, 6, 15, 9, 30}
	scratch := make([]float64, 0, 64)
	for b.Loop() {
		_ = Median(xs, scratch)
	}
}
