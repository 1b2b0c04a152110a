package hot

import "testing"

func TestSum(t *testing.T) {
	if got := Sum([]string{"12", "30"}); got != 42 {
		t.Fatalf("Sum = %d, want 42", got)
	}
}

func BenchmarkSum(b *testing.B) { // want "hot-alloc"
	ss := []string{"1234", "5678", "9012", "3456"}
	for b.Loop() {
		Sum(ss)
	}
}
