package reports

import (
	"time"
)

// fixtureRoot holds the source the fixture's findings point at.
const fixtureRoot = "testdata/src"

// fixtureReport builds a fixed report with every kind of data the renderers
// show: failing and passing checks, a skipped and an errored check, findings
// of every severity, a race with both stacks, benchmarks with samples,
// profiles with stacks, hot escapes, a lab and a baseline comparison.
func fixtureReport() *Report {
	r := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "gocap", Version: "v0.1.0-test"},
		Module:        "example.com/calc",
		GoVersion:     "go1.26.0",
		Patterns:      []string{"./..."},
		Started:       time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC),
		DurationMS:    4321,
		Checks: []Check{
			{ID: "vet", Name: "go vet", URL: "https://pkg.go.dev/cmd/vet", Status: StatusFail, Measures: []string{"correctness"}, DurationMS: 1200, Summary: "2 findings in 1 package",
				Findings: []Finding{
					{Check: "vet", Rule: "printf", Dimension: "correctness", Severity: SevError, File: "calc/calc.go", Line: 18, Col: 2, Function: "Sum",
						Message: "fmt.Println call has possible Printf formatting directive %d", Hint: "the format string and arguments disagree: fix the verb or the argument"},
					{Check: "vet", Rule: "copylocks", Dimension: "concurrency", Severity: SevWarning, File: "calc/calc.go", Line: 10, Col: 7, Function: "Counter.Inc",
						Message: "Inc passes lock by value: calc.Counter contains sync.Mutex", Hint: "copying a mutex copies its state; pass a pointer"},
				}},
			{ID: "fmt", Name: "gofmt", URL: "https://pkg.go.dev/cmd/gofmt", Status: StatusFail, Measures: []string{"style"}, DurationMS: 30, Summary: "1 of 1 files need gofmt",
				Findings: []Finding{{Check: "fmt", Rule: "gofmt", Dimension: "style", Severity: SevError, File: "calc/calc.go", Line: 13,
					Message: "file is not gofmt'ed", Hint: "run gofmt -w on the file",
					Detail: "--- a/calc/calc.go\n+++ b/calc/calc.go\n@@ -13 +13 @@\n-func  Sum(vs []int) int {\n+func Sum(vs []int) int {\n"}}},
			{ID: "tidy", Name: "go mod tidy", Status: StatusPass, Measures: []string{"dependencies"}, DurationMS: 400, Summary: "go.mod and go.sum are tidy", Findings: []Finding{}},
			{ID: "race", Name: "race detector", Status: StatusFail, Measures: []string{"concurrency"}, DurationMS: 2500, Summary: "1 data race in 1 package",
				Findings: []Finding{{Check: "race", Rule: "data-race", Dimension: "concurrency", Severity: SevError, File: "calc/calc.go", Line: 10, Col: 27, Function: "Counter.Inc",
					Message: "data race: write at 0xc000012345 by goroutine 7 vs previous write by goroutine 6 (TestInc)", Hint: "guard shared state with a mutex or use sync/atomic"}}},
			{ID: "escape", Name: "escape analysis", Status: StatusPass, Measures: []string{"memory"}, DurationMS: 900, Summary: "1 hot escape",
				Findings: []Finding{{Check: "escape", Rule: "hot-escape", Dimension: "memory", Severity: SevWarning, File: "calc/calc.go", Line: 24, Col: 11, Function: "Parse",
					Message: "make([]byte, len(s)) escapes to heap (hot: 42% of a benchmark profile)", Hint: "a heap allocation in a hot path costs GC time: size it on the stack or reuse a buffer"},
					{Check: "escape", Rule: "escape", Dimension: "memory", Severity: SevInfo, File: "calc/calc.go", Line: 13, Col: 10, Function: "Sum",
						Message: "leaking param content: vs", Hint: "the parameter's content outlives the call"}}},
			{ID: "pprof", Name: "benchmarks and profiles", Status: StatusSkipped, Measures: []string{"performance"}, DurationMS: 5, Summary: "no benchmarks in the selected packages", Findings: []Finding{}},
			{ID: "logging", Name: "logging", Status: StatusError, Measures: []string{"observability"}, DurationMS: 1, Summary: "go list failed: exit status 1", Findings: []Finding{}},
		},
		Labs: []Lab{{ID: "wasm", Name: "WebAssembly sandbox", Dimension: "wasm", Status: StatusFail, DurationMS: 800, Summary: "2 of 3 steps passed",
			Steps: []Step{
				{Name: "compile", Status: StatusPass, DurationMS: 500, Summary: "compiled guest", Metrics: []Metric{{Name: "compile", Value: 412.5, Unit: "ms"}}},
				{Name: "isolation", Status: StatusPass, DurationMS: 20, Summary: "no file system access"},
				{Name: "memory-limit", Status: StatusFail, DurationMS: 10, Summary: "grow did not fail", Reason: "memory limit not enforced"},
				{Name: "fuel", Status: StatusSkipped, Summary: "not supported", Reason: "wazero has no fuel"},
			}}},
		Races: []Race{{Package: "example.com/calc/calc", Test: "TestInc", Count: 2, Accesses: []Access{
			{Kind: "write", Addr: "0xc000012345", Goroutine: 7, Location: &Frame{Func: "example.com/calc/calc.(*Counter).Inc", File: "calc/calc.go", Line: 10},
				Stack:   []Frame{{Func: "example.com/calc/calc.(*Counter).Inc", File: "calc/calc.go", Line: 10}, {Func: "example.com/calc/calc.TestInc.func1", File: "calc/calc_test.go", Line: 12}},
				Created: []Frame{{Func: "example.com/calc/calc.TestInc", File: "calc/calc_test.go", Line: 11}}},
			{Kind: "previous write", Addr: "0xc000012345", Goroutine: 6, Location: &Frame{Func: "example.com/calc/calc.(*Counter).Inc", File: "calc/calc.go", Line: 10},
				Stack:   []Frame{{Func: "example.com/calc/calc.(*Counter).Inc", File: "calc/calc.go", Line: 10}, {Func: "example.com/calc/calc.TestInc.func1", File: "calc/calc_test.go", Line: 12}},
				Created: []Frame{{Func: "example.com/calc/calc.TestInc", File: "calc/calc_test.go", Line: 11}}},
		}}},
		Benchmarks: []Benchmark{
			{Package: "example.com/calc/calc", Name: "BenchmarkSum", Runs: 3, NsPerOp: 12.5, BytesPerOp: 0, AllocsPerOp: 0,
				Samples: []BenchRun{{1000000, 12.4, 0, 0}, {1000000, 12.5, 0, 0}, {1000000, 12.6, 0, 0}}},
			{Package: "example.com/calc/calc", Name: "BenchmarkParse", Runs: 3, NsPerOp: 48.2, BytesPerOp: 16, AllocsPerOp: 1,
				Samples: []BenchRun{{500000, 48.1, 16, 1}, {500000, 48.2, 16, 1}, {500000, 48.3, 16, 1}}},
		},
		Profiles: []ProfileTop{{Package: "example.com/calc/calc", Kind: "cpu", Unit: "nanoseconds", Total: 1000, Path: "profiles/calc.cpu.pprof",
			Top: []ProfileFunc{
				{Func: "example.com/calc/calc.Parse", File: "calc/calc.go", Line: 23, Flat: 420, Cum: 600, Pct: 42},
				{Func: "runtime.mallocgc", Flat: 300, Cum: 300, Pct: 30},
				{Func: "example.com/calc/calc.Sum", File: "calc/calc.go", Line: 13, Flat: 200, Cum: 200, Pct: 20},
			},
			Stacks: []ProfileStack{
				{Funcs: []string{"testing.(*B).runN", "example.com/calc/calc.BenchmarkParse", "example.com/calc/calc.Parse"}, Value: 420},
				{Funcs: []string{"testing.(*B).runN", "example.com/calc/calc.BenchmarkParse", "example.com/calc/calc.Parse", "runtime.mallocgc"}, Value: 300},
				{Funcs: []string{"testing.(*B).runN", "example.com/calc/calc.BenchmarkSum", "example.com/calc/calc.Sum"}, Value: 200},
				{Funcs: []string{"runtime.gcBgMarkWorker"}, Value: 80},
			}}},
		Escapes:   []Escape{{File: "calc/calc.go", Line: 24, Col: 11, Code: "escape", Message: "make([]byte, len(s)) escapes to heap", Function: "example.com/calc/calc.Parse", Hot: true, Heat: 0.6}},
		Artifacts: []Artifact{{Kind: "cpu-profile", Path: "profiles/calc.cpu.pprof"}},
	}
	Score(r, nil)
	base := &Report{Checks: []Check{{ID: "vet", Findings: []Finding{
		// moved from line 16 to 18: unchanged
		{Check: "vet", Rule: "printf", Dimension: "correctness", Severity: SevError, File: "calc/calc.go", Line: 16, Col: 2, Function: "Sum",
			Message: "fmt.Println call has possible Printf formatting directive %d", Hint: "the format string and arguments disagree: fix the verb or the argument"},
		// gone: fixed
		{Check: "vet", Rule: "unusedresult", Dimension: "correctness", Severity: SevWarning, File: "calc/old.go", Line: 3, Function: "Old",
			Message: "result of fmt.Sprintf call not used", Hint: "the call has no effect"},
	}}}}
	s := 71.5
	base.Score = &s
	CompareBaseline(r, base, "baseline.json")
	return r
}
