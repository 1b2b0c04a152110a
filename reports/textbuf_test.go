package reports

import (
	"fmt"
	"math"
	"testing"
)

// The text helpers replace fmt verbs in the renderers; each must give the
// same bytes as the verb it stands for, or the reports would change.
func TestTextHelpersMatchFmt(t *testing.T) {
	floats := []float64{0, 0.04, 0.05, 0.15, 1, 2.25, 9.95, 12.3456, 99.99, 100, 123.5, 1e6 + 0.5, 1e21, -3.75, math.Inf(1), math.NaN()}
	for _, v := range floats {
		if got, want := fixed1(v), fmt.Sprintf("%.1f", v); got != want {
			t.Errorf("fixed1(%v) = %q, fmt %%.1f gives %q", v, got, want)
		}
		if got, want := padLeft(fixed1(v), 5), fmt.Sprintf("%5.1f", v); got != want {
			t.Errorf("padLeft(fixed1(%v), 5) = %q, fmt %%5.1f gives %q", v, got, want)
		}
	}
	for _, v := range []float64{0, 1, 3, 0.001234, 0.5, 12.345, 99.95, 100.5, 2500.75, 1e9, -7.25} {
		want := fmt.Sprintf("%d", int64(v))
		if v != float64(int64(v)) {
			want = fmt.Sprintf("%.3g", v)
			if v >= 100 {
				want = fmt.Sprintf("%.0f", v)
			}
		}
		if got := fmtNum(v); got != want {
			t.Errorf("fmtNum(%v) = %q, fmt gives %q", v, got, want)
		}
	}
	for _, ms := range []int64{0, 49, 50, 1234, 98765} {
		if got, want := seconds(ms), fmt.Sprintf("%.1f", float64(ms)/1000); got != want {
			t.Errorf("seconds(%d) = %q, want %q", ms, got, want)
		}
		if got, want := junitTime(ms), fmt.Sprintf("%.3f", float64(ms)/1000); got != want {
			t.Errorf("junitTime(%d) = %q, want %q", ms, got, want)
		}
	}
	for _, s := range []string{"", "vet", "correctness", "a-name-longer-than-the-width", "ü×→", "日本語"} {
		for _, w := range []int{0, 3, 10, 18} {
			if got, want := padRight(s, w), fmt.Sprintf("%-*s", w, s); got != want {
				t.Errorf("padRight(%q, %d) = %q, fmt gives %q", s, w, got, want)
			}
			if got, want := padLeft(s, w), fmt.Sprintf("%*s", w, s); got != want {
				t.Errorf("padLeft(%q, %d) = %q, fmt gives %q", s, w, got, want)
			}
		}
	}
}

// location and frameText name a place as file:line[:col] and file:line func.
func TestLocationText(t *testing.T) {
	cases := []struct {
		f    Finding
		want string
	}{
		{Finding{}, "(module)"},
		{Finding{File: "a.go"}, "a.go"},
		{Finding{File: "a.go", Line: 12}, "a.go:12"},
		{Finding{File: "a.go", Line: 12, Col: 3}, "a.go:12:3"},
	}
	for _, c := range cases {
		if got := location(c.f); got != c.want {
			t.Errorf("location(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
	if got := frameText(&Frame{File: "b.go", Line: 9, Func: "pkg.F"}); got != "b.go:9 pkg.F" {
		t.Errorf("frameText = %q, want %q", got, "b.go:9 pkg.F")
	}
	if got := frameText(nil); got != "?" {
		t.Errorf("frameText(nil) = %q, want ?", got)
	}
}
