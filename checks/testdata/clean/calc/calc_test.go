package calc

import (
	"errors"
	"testing"
)

func TestMean(t *testing.T) {
	m, err := Mean([]float64{1, 2, 3})
	if err != nil || m != 2 {
		t.Fatalf("Mean = %v, %v", m, err)
	}
	if _, err := Describe(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("Describe(nil) error = %v, want ErrEmpty", err)
	}
}

func BenchmarkMean(b *testing.B) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	for b.Loop() {
		if _, err := Mean(xs); err != nil {
			b.Fatal(err)
		}
	}
}
