package reports

import (
	"fmt"
	"io"
	"testing"
)

// bigReport is the fixture with n findings spread over files and rules.
func bigReport(n int) *Report {
	r := fixtureReport()
	c := &r.Checks[0]
	for i := 0; i < n; i++ {
		c.Findings = append(c.Findings, Finding{Check: "vet", Rule: fmt.Sprintf("rule%d", i%25), Dimension: "correctness",
			Severity: []Severity{SevError, SevWarning, SevInfo}[i%3], File: fmt.Sprintf("pkg%d/file%d.go", i%40, i%7), Line: i%500 + 1,
			Function: fmt.Sprintf("F%d", i%90), Message: fmt.Sprintf("finding %d at 0x%x", i, i*16), Hint: "fix it"})
	}
	Score(r, nil)
	return r
}

// BenchmarkRender renders a report of 5000 findings in each format.
func BenchmarkRender(b *testing.B) {
	r := bigReport(5000)
	for _, f := range FormatNames() {
		b.Run(f, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Render(io.Discard, r, f, RenderOptions{Width: 100}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompareBaseline matches 5000 findings against a 5000-finding baseline.
func BenchmarkCompareBaseline(b *testing.B) {
	cur, base := bigReport(5000), bigReport(5000)
	b.ReportAllocs()
	for b.Loop() {
		CompareBaseline(cur, base, "base.json")
	}
}

// BenchmarkMerge joins eight shards of 1000 findings each.
func BenchmarkMerge(b *testing.B) {
	var rs []*Report
	var names []string
	for i := 0; i < 8; i++ {
		rs = append(rs, bigReport(1000))
		names = append(names, fmt.Sprint(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Merge(names, rs); err != nil {
			b.Fatal(err)
		}
	}
}
