package main

import "testing"

func TestUpper(t *testing.T) {
	if got := string(Upper([]byte("gocap workshop ß"))); got != "GOCAP WORKSHOP SS" && got != "GOCAP WORKSHOP ß" {
		t.Fatalf("Upper = %q", got)
	}
}
