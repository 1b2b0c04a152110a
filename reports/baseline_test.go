package reports

import "testing"

// What moves between runs of the same code (goroutine numbers, addresses,
// durations, percentages, the notes on heat and report counts) is not in
// what a baseline matches on; what names the defect is.
func TestFingerprintIgnoresRunToRunNoise(t *testing.T) {
	same := [][2]string{
		{"data race: write at p.go:12 (p.Set) vs read at p.go:30 (p.Get) in TestA",
			"data race: write at p.go:12 (p.Set) vs read at p.go:30 (p.Get) in TestA (reported 3 times)"},
		{"x escapes to heap in p.F (hot: 1.2% of a benchmark profile runs this line)",
			"x escapes to heap in p.F (hot: 48.0% of a benchmark profile runs this line)"},
		{"x escapes to heap in p.F (hot: allocates 1 per op in BenchmarkA)",
			"x escapes to heap in p.F (hot: allocates 2 per op in BenchmarkA, BenchmarkB and 3 more)"},
		{"TestX: timed out after 1.5s waiting for goroutine 17 at 0xc000123456",
			"TestX: timed out after 2.25s waiting for goroutine 4 at 0xc0000fedcb"},
	}
	for _, p := range same {
		a := Finding{Check: "c", Rule: "r", File: "p.go", Function: "p.F", Message: p[0]}
		b := a
		b.Message = p[1]
		if Fingerprint(a) != Fingerprint(b) {
			t.Errorf("fingerprints differ:\n%q -> %q\n%q -> %q", p[0], NormalizeMessage(p[0]), p[1], NormalizeMessage(p[1]))
		}
	}
	a := Finding{Check: "c", Rule: "r", File: "p.go", Function: "p.F", Message: "x escapes to heap in p.F (hot: 1%)"}
	b := a
	b.Message = "y escapes to heap in p.F (hot: 1%)"
	if Fingerprint(a) == Fingerprint(b) {
		t.Error("two different escapes share a fingerprint")
	}
}
