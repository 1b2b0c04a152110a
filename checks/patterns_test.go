package checks

import "testing"

func TestCountSingularPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 data races", 1: "1 data race", 2: "2 data races"} {
		if got := count(n, "data race", "data races"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
