package leaky

import "testing"

func TestWatch(t *testing.T) {
	ch := Watch()
	ch <- 1
}

func TestAddParallel(t *testing.T) {
	t.Parallel()
	if Add(1, 2) != 3 {
		t.Fatal("Add")
	}
}
