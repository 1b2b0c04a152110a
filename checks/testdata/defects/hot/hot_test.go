package hot

import "testing"

func TestSum(t *testing.T) {
	if got := Sum([]string{"12", "30"}); got != 42 {
		t.Fatalf("Sum = %d, want 42", got)
	}
}

func BenchmarkSum(b *testing.B) {
	ss := []string{"1234", "5678", "9012", "3456"}
	for b.Loop() {
		Sum(ss)
	}
}

// BenchmarkText's sub-benchmarks each reach one function: each is judged by
// its own profile, so Pad's allocation is not blamed on label.
func BenchmarkText(b *testing.B) {
	b.Run("pad", func(b *testing.B) {
		for b.Loop() {
			Pad("ab", 8)
		}
	})
	b.Run("label", func(b *testing.B) {
		for b.Loop() {
			_ = Label(8)
		}
	})
}
