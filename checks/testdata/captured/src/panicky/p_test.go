package panicky

import "testing"

func TestFirst(t *testing.T) {
	if First(nil) != 0 {
		t.Fatal("x")
	}
}
