package allocbudget

import (
	"strconv"
	"testing"
)

func rows(n int) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = []string{"id" + strconv.Itoa(i), "alice", "paid", "19.99"}
	}
	return out
}

func TestRender(t *testing.T) {
	got := Render([][]string{{"a", "b"}, {"c"}, {}})
	if got != "a,b\nc\n\n" {
		t.Fatalf("Render = %q", got)
	}
	if Render(nil) != "" {
		t.Fatal("Render(nil) must be empty")
	}
}

// BenchmarkRender renders 100 rows of 4 cells. Budget: 1 allocation per call.
func BenchmarkRender(b *testing.B) {
	in := rows(100)
	for b.Loop() {
		_ = Render(in)
	}
}
