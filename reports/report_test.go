package reports

import (
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/termtext"
)

func TestReadRoundTripAndBadInput(t *testing.T) {
	s := 91.5
	r := &Report{SchemaVersion: SchemaVersion, Tool: Tool{Name: "gocap", Version: "t"}, Module: "m", Score: &s, Grade: "A+",
		Checks: []Check{{ID: "fmt", Status: StatusFail, Findings: []Finding{{Check: "fmt", Rule: "gofmt", File: "a.go", Line: 3}}}}}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	got, err := Read(bytes.NewReader(buf.Bytes()), "r.json")
	if err != nil {
		t.Fatal(err)
	}
	if got.Module != "m" || *got.Score != 91.5 || len(got.Findings()) != 1 || got.Findings()[0].Line != 3 {
		t.Fatalf("round trip lost data: %+v", got)
	}
	bad := map[string]string{
		"truncated":   buf.String()[:buf.Len()/2],
		"not json":    "hello",
		"no version":  `{"tool":{"name":"gocap"}}`,
		"old version": `{"schema_version":0,"tool":{"name":"gocap"}}`,
		"other tool":  `{"schema_version":1,"tool":{"name":"golangci-lint"}}`,
	}
	for name, in := range bad {
		_, err := Read(strings.NewReader(in), name+".json")
		if !errors.Is(err, ErrBadReport) || !strings.Contains(err.Error(), name+".json") {
			t.Errorf("%s: err = %v, want ErrBadReport naming the file", name, err)
		}
	}
}

func TestTerminalPlainHasNoEscapes(t *testing.T) {
	s := 72.0
	r := &Report{Tool: Tool{Name: "gocap"}, Module: "m", Score: &s, Grade: "B",
		Dimensions: []Dimension{{ID: "style", Name: "Style", Score: &s, Summary: "1 finding"}},
		Checks:     []Check{{ID: "fmt", Status: StatusFail, Findings: []Finding{{Rule: "gofmt", Severity: SevError, File: "a.go", Line: 2, Message: "file is not gofmt'ed", Hint: "run gofmt"}}}}}
	var plain, color bytes.Buffer
	if err := RenderTerminal(&plain, r, TerminalOptions{Width: 80}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Fatal("plain output carries ANSI escapes")
	}
	for _, want := range []string{"Grade B", "a.go:2", "[gofmt]", "run gofmt", "Style"} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("terminal output lacks %q:\n%s", want, plain.String())
		}
	}
	if err := RenderTerminal(&color, r, TerminalOptions{Width: 80, Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(color.String(), "\x1b[") {
		t.Fatal("colour output has no ANSI escapes")
	}
	for _, l := range strings.Split(plain.String(), "\n") {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("line wider than 80 (%d): %q", n, l)
		}
	}
}

// TestTerminalFitsWidth: at 80 and 120 columns, coloured or not, no line of
// the fixture report is wider than the terminal (the terminal would wrap it
// mid-word), and long messages and summaries are wrapped, not lost.
func TestTerminalFitsWidth(t *testing.T) {
	r := fixtureReport()
	r.Checks[0].Summary = "a summary long enough to need two lines at eighty columns: " + strings.Repeat("word ", 20)
	for _, width := range []int{80, 120} {
		for _, color := range []bool{false, true} {
			var buf bytes.Buffer
			if err := RenderTerminal(&buf, r, TerminalOptions{Width: width, Color: color}); err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(buf.String(), "\n") {
				if n := termtext.Width(l); n > width {
					t.Errorf("width %d, color %v: line of %d cells: %q", width, color, n, l)
				}
				if !color && strings.HasSuffix(l, " ") {
					t.Errorf("width %d: trailing spaces: %q", width, l)
				}
			}
			if !color {
				if got := strings.Count(buf.String(), "word"); got != 20 {
					t.Errorf("width %d: the long check summary shows %d of its 20 words:\n%s", width, got, buf.String())
				}
			}
		}
	}
}

// TestReadFileMissing: a missing report is an ErrBadReport whose one line
// names the path and says it cannot be opened, not that the content is bad.
func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile("/nonexistent/r.json")
	if !errors.Is(err, ErrBadReport) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want ErrBadReport and fs.ErrNotExist", err)
	}
	want := "/nonexistent/r.json: cannot open (no such file or directory): pass a report written by gocap --format json"
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
	dir := t.TempDir()
	if _, err := ReadFile(dir); !errors.Is(err, ErrBadReport) || !strings.HasPrefix(err.Error(), dir+" is a folder") {
		t.Errorf("a folder: err = %v", err)
	}
}

// TestDiffTerminalFitsWidth: the benchmark table of gocap report diff keeps
// within 80 columns with a long benchmark name, every metric shown.
func TestDiffTerminalFitsWidth(t *testing.T) {
	mk := func(ns float64) *Report {
		b := Benchmark{Package: "example.com/some/long/module/path/pkg", Name: "BenchmarkParseEverythingQuickly", Runs: 5}
		for range 5 {
			b.Samples = append(b.Samples, BenchRun{NsPerOp: ns, BytesPerOp: 96, AllocsPerOp: 4})
		}
		return &Report{SchemaVersion: SchemaVersion, Tool: Tool{Name: "gocap"}, Module: "m", Benchmarks: []Benchmark{b}}
	}
	d := Diff("old.json", mk(100), "new.json", mk(200), DiffOptions{})
	var buf bytes.Buffer
	if err := RenderDiff(&buf, d, "terminal", RenderOptions{Width: 80}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, l := range strings.Split(out, "\n") {
		if n := termtext.Width(l); n > 80 {
			t.Errorf("line of %d cells: %q", n, l)
		}
	}
	if strings.Count(out, "example.com/some/long/module/path/pkg.BenchmarkParseEverythingQuickly") != 1 {
		t.Errorf("the benchmark should head its rows once:\n%s", out)
	}
	for _, m := range []string{MetricTime, MetricBytes, MetricAllocs} {
		if !strings.Contains(out, "    "+m) {
			t.Errorf("no %s row:\n%s", m, out)
		}
	}
}

// TestTerminalHintOncePerRule: a rule's hint is shown once per check, in
// full (wrapped), under its first finding, not cut under every finding.
func TestTerminalHintOncePerRule(t *testing.T) {
	hint := "why it matters and how to fix it, a sentence long enough to need a second line at eighty columns: END"
	var fs []Finding
	for i := range 3 {
		fs = append(fs, Finding{Rule: "errcheck", Severity: SevError, File: "a.go", Line: i + 1, Message: "error not checked", Hint: hint})
	}
	r := &Report{Tool: Tool{Name: "gocap"}, Module: "m", Checks: []Check{{ID: "errors", Status: StatusFail, Findings: fs}}}
	var buf bytes.Buffer
	if err := RenderTerminal(&buf, r, TerminalOptions{Width: 80}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// Once under "fix first", once under the check's findings.
	fix, check, _ := strings.Cut(out, "FAIL errors")
	for _, part := range []string{fix, check} {
		if strings.Count(part, "↳ why it matters") != 1 || strings.Count(part, "END") != 1 {
			t.Errorf("want the hint once and whole in each section:\n%s", out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if termtext.Width(l) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
}

// TestTerminalActionOrder: a report with a blocker, one vet error, a
// test-code error and 300 escape notes reads verdict, blockers, fix first
// (the ten costliest: both errors and eight notes, production code before
// the test file's error), dimensions, then
// the checks with errors before the escape check's notes.
func TestTerminalActionOrder(t *testing.T) {
	r := &Report{Tool: Tool{Name: "gocap"}, Module: "m", Checks: []Check{
		{ID: "escape", Status: StatusPass, Measures: []string{DimMemory}},
		{ID: "race", Status: StatusFail, Measures: []string{DimConcurrency}, Findings: []Finding{
			{Check: "race", Rule: RuleDataRace, Dimension: DimConcurrency, Severity: SevError, File: "a/a.go", Line: 3, Message: "data race on counter"}}},
		{ID: "vet", Status: StatusFail, Measures: []string{DimCorrectness}, Findings: []Finding{
			{Check: "vet", Rule: "printf", Dimension: DimCorrectness, Severity: SevError, File: "a/a_test.go", Line: 9, Message: "test printf"},
			{Check: "vet", Rule: "printf", Dimension: DimCorrectness, Severity: SevError, File: "a/a.go", Line: 7, Message: "prod printf"}}},
	}}
	for i := range 300 {
		r.Checks[0].Findings = append(r.Checks[0].Findings, Finding{Check: "escape", Rule: "escape", Dimension: DimMemory, Severity: SevInfo,
			File: "a/b.go", Line: i + 1, Message: "x escapes to heap"})
	}
	Score(r, nil)
	if len(r.Blockers) != 1 {
		t.Fatalf("blockers = %+v", r.Blockers)
	}
	var buf bytes.Buffer
	if err := RenderTerminal(&buf, r, TerminalOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	at := func(s string) int {
		t.Helper()
		i := strings.Index(out, s)
		if i < 0 {
			t.Fatalf("no %q in:\n%s", s, out)
		}
		return i
	}
	order := []string{"Grade " + r.Grade, "Blockers", "data race on counter", "Fix first", "prod printf", "x escapes to heap", "test printf", "Correctness", "FAIL race", "FAIL vet", "PASS escape"}
	for i := 1; i < len(order); i++ {
		if at(order[i-1]) >= at(order[i]) {
			t.Errorf("%q comes after %q:\n%.3000s", order[i-1], order[i], out)
		}
	}
	fix := out[at("Fix first"):at("Correctness")]
	if n := strings.Count(fix, "\n  "); n > FixFirstCount+FixFirstCount { // a finding and at most its hint or a wrapped line
		t.Errorf("fix first holds %d lines", n)
	}
	if strings.Count(fix, "escapes to heap") != FixFirstCount-2 {
		t.Errorf("fix first: want the 2 errors then %d notes:\n%s", FixFirstCount-2, fix)
	}
	if strings.Contains(fix, "data race") {
		t.Error("the blocker is listed again under fix first")
	}
}

// TestTerminalBenchmarkTable: names that differ only at their end stay
// different when cut, a benchmark reporting only its own metrics shows them
// (not "0 ns/op"), and columns stay aligned with a very large number.
func TestTerminalBenchmarkTable(t *testing.T) {
	long := "BenchmarkEncodeWithAVeryLongDescriptiveName/size=1048576/parallel=true/codec="
	r := &Report{Tool: Tool{Name: "gocap"}, Module: "m", Benchmarks: []Benchmark{
		{Package: "m/enc", Name: long + "json", Runs: 1, NsPerOp: 123456789012, BytesPerOp: 82007291, AllocsPerOp: 135237},
		{Package: "m/enc", Name: long + "gob", Runs: 1, NsPerOp: 12.5, BytesPerOp: 16, AllocsPerOp: 1},
		{Package: "m/enc", Name: "BenchmarkFrames", Runs: 1, Metrics: []Metric{{Name: "frames/op", Value: 12, Unit: "frames/op"}}},
	}}
	var buf bytes.Buffer
	if err := RenderTerminal(&buf, r, TerminalOptions{Width: 80}); err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(buf.String(), "Benchmarks\n")
	rows := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(rows) != 3 {
		t.Fatalf("rows %q", rows)
	}
	name := func(row string) string { return strings.Fields(row)[0] }
	if name(rows[0]) == name(rows[1]) || !strings.HasSuffix(name(rows[0]), "json") || !strings.HasSuffix(name(rows[1]), "gob") {
		t.Errorf("long names cut alike: %q / %q", name(rows[0]), name(rows[1]))
	}
	if strings.Contains(rows[2], "0 ns/op") || !strings.Contains(rows[2], "12 frames/op") {
		t.Errorf("custom-metric row %q", rows[2])
	}
	if !strings.Contains(rows[0], "123 s/op") || !strings.Contains(rows[0], "78.2 MiB/op") || !strings.Contains(rows[0], "135k allocs/op") {
		t.Errorf("large numbers not in units: %q", rows[0])
	}
	end := func(row, unit string) int { return termtext.Width(row[:strings.Index(row, unit)+len(unit)]) }
	if end(rows[0], "s/op") != end(rows[1], "s/op") || end(rows[0], "allocs/op") != end(rows[1], "allocs/op") {
		t.Errorf("columns not aligned:\n%s\n%s", rows[0], rows[1])
	}
	for _, row := range rows {
		if termtext.Width(row) > 80 {
			t.Errorf("row wider than 80: %q", row)
		}
	}
}

// TestTerminalLabStepsReadable: the metrics the labs report come out in
// units, apart from their values (handshakes_per_second=50.11/s read as
// 501/s before, allocs_per_second=135237allocs/s, bytes=82007291B), and a
// step's name stands apart from its result ("bomb capped contained: …"
// before).
func TestTerminalLabStepsReadable(t *testing.T) {
	r := &Report{Tool: Tool{Name: "gocap"}, Module: "m", Labs: []Lab{{ID: "wasm", Status: StatusPass, Summary: "2 of 2 steps passed", Steps: []Step{
		{Name: "bomb capped", Status: StatusPass, Summary: "contained: memory limit reached", Metrics: []Metric{{Name: "contained_in", Value: 0.35, Unit: "ms"}}},
		{Name: "rotation", Status: StatusPass, Summary: "no failed handshakes", Metrics: []Metric{
			{Name: "handshakes_per_second", Value: 50.11, Unit: "1/s"}, {Name: "allocs_per_second", Value: 135237, Unit: "allocs/s"}, {Name: "bytes", Value: 82007291, Unit: "B"}}},
	}}}}
	var buf bytes.Buffer
	if err := RenderTerminal(&buf, r, TerminalOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"bomb capped  contained: memory limit reached", "contained_in 350 µs", "handshakes_per_second 50.1/s", "allocs_per_second 135k/s", "bytes 78.2 MiB"} {
		if !strings.Contains(out, want) {
			t.Errorf("lab output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"50.111/s", "135237", "82007291", "bomb capped contained"} {
		if strings.Contains(out, bad) {
			t.Errorf("lab output shows %q:\n%s", bad, out)
		}
	}
}
