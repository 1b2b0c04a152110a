package benchloop

import "testing"

func TestParse(t *testing.T) {
	m := Parse("# c\na = 1\n\nb=2\nnot a pair\n")
	if len(m) != 2 || m["a"] != "1" || m["b"] != "2" {
		t.Fatalf("Parse = %v", m)
	}
}
