package termtext

import (
	"strings"
	"testing"
)

func TestTruncate(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"a longer sentence", 8, "a longe…"},
		{"first line\nsecond line", 40, "first line"},
		{"héllo wörld", 6, "héllo…"},
	}
	for _, c := range cases {
		if got := Truncate(c.in, c.n); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	// ANSI escapes count zero cells and survive the cut.
	red := "\x1b[31mabcdefghij\x1b[0m"
	if got := Truncate(red, 20); got != red {
		t.Errorf("Truncate of a styled string that fits changed it: %q", got)
	}
	if got := Truncate(red, 5); Width(got) != 5 || !strings.HasPrefix(got, "\x1b[31m") {
		t.Errorf("Truncate(styled, 5) = %q (width %d), want 5 cells keeping the colour", got, Width(got))
	}
}

func TestLine(t *testing.T) {
	got := Line(40, "     error   a.go:1 ", "a message that is far too long to fit")
	if Width(got) != 40 || !strings.HasSuffix(got, "…") {
		t.Errorf("Line = %q (width %d), want 40 cells ending in …", got, Width(got))
	}
	// A prefix wider than the terminal still leaves room for some text.
	if got := Line(10, strings.Repeat("p", 12), "text that is long enough to cut"); Width(got) != 12+minText {
		t.Errorf("Line with a wide prefix = %q, want %d cells", got, 12+minText)
	}
}

func TestWrap(t *testing.T) {
	text := "1 benchmarks in 1 packages; profiles in /root/.cache/gocap/pprof/example.com_defects/run-359768947 and more words here"
	got := Wrap(60, "PASS pprof   3.4s ", text, 5)
	if !strings.Contains(got, "\n     /root/.cache/gocap/pprof/example.com_defects/run-359768947\n") {
		t.Errorf("a word longer than the room was not kept whole on its own line:\n%s", got)
	}
	lines := strings.Split(got, "\n")
	if len(lines) < 2 {
		t.Fatalf("Wrap did not wrap:\n%s", got)
	}
	var joined []string
	for i, l := range lines {
		if Width(l) > 60 && !strings.Contains(l, "/root/") {
			t.Errorf("line %d wider than 60 (%d): %q", i, Width(l), l)
		}
		if i > 0 && !strings.HasPrefix(l, "     ") {
			t.Errorf("continuation line %d not indented: %q", i, l)
		}
		if strings.HasSuffix(l, " ") {
			t.Errorf("line %d has trailing spaces: %q", i, l)
		}
		joined = append(joined, strings.TrimSpace(l))
	}
	if !strings.HasPrefix(lines[0], "PASS pprof   3.4s 1 benchmarks") {
		t.Errorf("first line lost its prefix: %q", lines[0])
	}
	// Nothing is lost: the words come back in order.
	if w := strings.Fields(strings.Join(joined, " ")); strings.Join(w, " ") != "PASS pprof 3.4s "+text {
		t.Errorf("wrapped text lost words:\n%s", got)
	}
	// A first word that does not fit after the prefix starts the next line.
	got = Wrap(70, "     error   a.go:12:16 [build-failed] ", "example.com/defects/lint/vetbugs_test: go test failed", 13)
	if want := "     error   a.go:12:16 [build-failed]\n             example.com/defects/lint/vetbugs_test: go test failed"; got != want {
		t.Errorf("Wrap with a long first word =\n%s\nwant\n%s", got, want)
	}
	if got := Wrap(80, "> ", "fits", 2); got != "> fits" {
		t.Errorf("Wrap of a short text = %q", got)
	}
}
