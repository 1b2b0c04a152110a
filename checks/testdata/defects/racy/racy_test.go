package racy

import "testing"

func TestIncAll(t *testing.T) {
	var c Counter
	IncAll(&c, 4)
	if c.n == 0 {
		t.Fatal("no increments")
	}
}
