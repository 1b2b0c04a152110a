// Package reports holds gocap's one report model and every renderer of it.
//
// A Report is a versioned JSON document (SchemaVersion) and the contract for CI
// consumers: checks, labs, renderers and the report subcommands all read and
// write this one type. Renderers never compute: scoring happens before a report
// is rendered (see Score), so every format shows the same numbers.
package reports

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// SchemaVersion is the version of the JSON document written by gocap. A reader
// refuses any other version.
const SchemaVersion = 1

// Severity of a finding.
type Severity string

// Severities, most severe first.
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
	SevInfo    Severity = "info"
)

// Rank orders severities: error 3, warning 2, info 1, unknown 0.
func (s Severity) Rank() int {
	switch s {
	case SevError:
		return 3
	case SevWarning:
		return 2
	case SevInfo:
		return 1
	}
	return 0
}

// ParseSeverity parses "error", "warning" or "info".
func ParseSeverity(s string) (Severity, error) {
	switch Severity(s) {
	case SevError, SevWarning, SevInfo:
		return Severity(s), nil
	}
	return "", fmt.Errorf("unknown severity %q: use error, warning or info", s)
}

// Status of a check, a lab or a lab step.
type Status string

// Statuses.
const (
	StatusPass    Status = "pass"
	StatusFail    Status = "fail"
	StatusError   Status = "error"
	StatusSkipped Status = "skipped"
	// StatusTimeout: the check was cut off by --timeout; its findings and
	// coverage are what it had seen until then.
	StatusTimeout Status = "timeout"
	// StatusInterrupted: the check was cut off by Ctrl-C (SIGINT/SIGTERM);
	// its findings and coverage are what it had seen until then.
	StatusInterrupted Status = "interrupted"
)

// Ran reports whether a check with this status ran (wholly or partly) and so
// measured what its coverage says.
func (s Status) Ran() bool {
	switch s {
	case StatusPass, StatusFail, StatusTimeout, StatusInterrupted:
		return true
	}
	return false
}

// Tool names the program that wrote a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Report is the whole result of a gocap run.
type Report struct {
	SchemaVersion int          `json:"schema_version"`
	Tool          Tool         `json:"tool"`
	Module        string       `json:"module"`
	GoVersion     string       `json:"go_version,omitempty"`
	Patterns      []string     `json:"patterns,omitempty"`
	Started       time.Time    `json:"started"`
	DurationMS    int64        `json:"duration_ms"`
	Score         *float64     `json:"score"`
	Grade         string       `json:"grade"`
	Dimensions    []Dimension  `json:"dimensions"`
	Checks        []Check      `json:"checks"`
	Labs          []Lab        `json:"labs,omitempty"`
	Races         []Race       `json:"races,omitempty"`
	Benchmarks    []Benchmark  `json:"benchmarks,omitempty"`
	Profiles      []ProfileTop `json:"profiles,omitempty"`
	Escapes       []Escape     `json:"escapes,omitempty"`
	// Artifacts are files written beside the report (raw profiles, diffs),
	// relative to the output folder when one was given.
	Artifacts []Artifact `json:"artifacts,omitempty"`
	// Shard is "I/N" when this report covers one shard of the packages
	// (gocap check --shard); gocap report merge joins the shards.
	Shard string `json:"shard,omitempty"`
	// Baseline, when the run was compared with an earlier report
	// (--baseline), says what changed; findings carry Finding.Baseline.
	Baseline *BaselineInfo `json:"baseline,omitempty"`

	// Score model v2 (see Score and docs/scoring.md).

	// ScoreModel names the scoring model that computed Score ("v2").
	ScoreModel string `json:"score_model,omitempty"`
	// Blockers are the findings that cap the grade (a package that does not
	// build: F; a failing, panicking, timed-out or racing test: at most C).
	// Renderers show them first.
	Blockers []Blocker `json:"blockers,omitempty"`
	// Coverage is the share (0..1) of the module the score measured: each
	// dimension's measured share of the code, weighted as in the score.
	Coverage *float64 `json:"coverage,omitempty"`
	// Packages are the selected packages with their size (the score's size
	// measure) and what the checks need of them.
	Packages []Package `json:"packages,omitempty"`
	// LabTotals counts the lab steps of gocap run; labs never move Score.
	LabTotals *LabTotals `json:"lab_totals,omitempty"`
}

// Package is one selected package of the module.
type Package struct {
	Path string `json:"path"`
	// Lines is the number of non-blank lines in its non-test Go files.
	Lines      int  `json:"lines"`
	Tests      bool `json:"tests,omitempty"`
	Benchmarks bool `json:"benchmarks,omitempty"`
}

// Coverage says on how many of the selected packages a check or a dimension
// was measured, and why the others were not.
type Coverage struct {
	Measured    int           `json:"measured"`
	Selected    int           `json:"selected"`
	NotMeasured []NotMeasured `json:"not_measured,omitempty"`
}

// NotMeasured is one package a check could not measure, and why ("no
// tests", "does not type-check", "timeout").
type NotMeasured struct {
	Package string `json:"package"`
	Reason  string `json:"reason"`
}

// LabTotals counts the steps of every lab of a run.
type LabTotals struct {
	Labs    int `json:"labs"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// BaselineInfo is the comparison of a report with an earlier one.
type BaselineInfo struct {
	// Path names the baseline report as given on the command line.
	Path string `json:"path"`
	// Score is the baseline's overall score (nil: not measured).
	Score     *float64 `json:"score"`
	New       int      `json:"new"`
	Unchanged int      `json:"unchanged"`
	// Fixed are the baseline's findings that no longer occur.
	Fixed []Finding `json:"fixed,omitempty"`
}

// Dimension is one scored capability.
type Dimension struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Score  *float64 `json:"score"` // nil: not measured
	Weight float64  `json:"weight"`
	// Summary says what was measured, or why it was not.
	Summary    string      `json:"summary"`
	Deductions []Deduction `json:"deductions,omitempty"`
	// Coverage: the packages this dimension was measured on (nil: not
	// computed, a report of score model v1).
	Coverage *Coverage `json:"coverage,omitempty"`
}

// Deduction ties points lost in a dimension to the findings of one rule.
type Deduction struct {
	Rule     string  `json:"rule"`
	Points   float64 `json:"points"`
	Findings int     `json:"findings"`
	Hint     string  `json:"hint,omitempty"`
}

// Check is the outcome of one gocap check (a "leg" of gocap check).
type Check struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Status Status `json:"status"`
	// Measures lists the dimensions this check measured when it ran (pass or
	// fail). A skipped check measures nothing and its Summary says why.
	Measures   []string  `json:"measures,omitempty"`
	DurationMS int64     `json:"duration_ms"`
	Summary    string    `json:"summary"`
	Findings   []Finding `json:"findings"`
	// URL documents the check's rules (help links in SARIF and HTML).
	URL string `json:"url,omitempty"`
	// Coverage: the selected packages the check measured, and why not the
	// others (nil: every selected package when it ran, none otherwise).
	Coverage *Coverage `json:"coverage,omitempty"`
}

// Finding is one problem found, tied to a place in the module.
type Finding struct {
	Check string `json:"check"`
	Rule  string `json:"rule"`
	// Dimension is the capability dimension this finding costs points in.
	Dimension string   `json:"dimension"`
	Severity  Severity `json:"severity"`
	File      string   `json:"file,omitempty"` // relative to the module root, slash-separated
	Line      int      `json:"line,omitempty"`
	Col       int      `json:"col,omitempty"`
	Message   string   `json:"message"`
	// Hint is one line: why it matters and how to fix it.
	Hint string `json:"hint"`
	// Weight scales the points the finding costs in its dimension, in (0, 1];
	// zero means full weight. Hot escapes are weighted by their heat.
	Weight float64 `json:"weight,omitempty"`
	// Function is the enclosing function when known (used for fingerprints).
	Function string `json:"function,omitempty"`
	// Detail holds extra text such as a diff or a flow explanation.
	Detail string `json:"detail,omitempty"`
	// Baseline is "new" or "unchanged" when the run was compared with a
	// baseline report (see Report.Baseline); empty otherwise.
	Baseline string `json:"baseline,omitempty"`
}

// Race is one data race reported by the race detector, deduplicated by access pair.
type Race struct {
	Package   string   `json:"package"`
	Test      string   `json:"test,omitempty"`
	Accesses  []Access `json:"accesses"` // the current access first, then the previous one
	Count     int      `json:"count"`    // how many times this pair was reported
	RawReport string   `json:"raw,omitempty"`
}

// Access is one side of a data race.
type Access struct {
	Kind      string  `json:"kind"` // read or write (maybe "atomic read" etc.)
	Addr      string  `json:"addr,omitempty"`
	Goroutine int     `json:"goroutine"`
	Location  *Frame  `json:"location,omitempty"` // first frame in the module's own code
	Stack     []Frame `json:"stack"`
	Created   []Frame `json:"created,omitempty"` // where the goroutine was created
}

// Frame is one stack frame.
type Frame struct {
	Func string `json:"func"`
	File string `json:"file"`
	Line int    `json:"line"`
}

// Benchmark is one benchmark result (possibly several runs).
type Benchmark struct {
	Package     string     `json:"package"`
	Name        string     `json:"name"`
	Runs        int        `json:"runs"`
	NsPerOp     float64    `json:"ns_per_op"`
	BytesPerOp  float64    `json:"bytes_per_op"`
	AllocsPerOp float64    `json:"allocs_per_op"`
	Samples     []BenchRun `json:"samples,omitempty"`
	// Metrics are the benchmark's own b.ReportMetric units (frames/op,
	// MB/s…), the median of the runs; a benchmark may report only these
	// (NsPerOp is then 0: not reported).
	Metrics []Metric `json:"metrics,omitempty"`
	// AllocLines are the lines of the module's non-test code that allocate
	// under this benchmark, from its own allocation profile, most per op
	// first (see checks.HotPerOp).
	AllocLines []AllocLine `json:"alloc_lines,omitempty"`
}

// AllocLine is one source line's allocations under one benchmark.
type AllocLine struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Func string `json:"func,omitempty"`
	// PerOp is the allocations per op at the line: its share of the objects
	// sampled under the benchmark times the benchmark's measured allocs/op.
	PerOp float64 `json:"per_op"`
	// Share is the line's share of the objects allocated under the benchmark.
	Share float64 `json:"share"`
	// Samples is how many allocation samples the figure rests on.
	Samples int `json:"samples"`
	// Via names the functions the line called that allocated (the runtime's
	// runtime.convTstring, runtime.newobject, … or an inlined library function).
	Via []string `json:"via,omitempty"`
	// ViaPerOp is PerOp split by Via: what each function the line called
	// (or each runtime allocation function, when the line allocated
	// itself) allocated per op.
	ViaPerOp map[string]float64 `json:"via_per_op,omitempty"`
	// MeanSize is the bytes per object of the line's allocations.
	MeanSize float64 `json:"mean_size,omitempty"`
}

// BenchRun is one measured run of a benchmark.
type BenchRun struct {
	Iterations  int64   `json:"n"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
}

// ProfileTop is the top of one profile (cpu or alloc) of one package's benchmarks.
type ProfileTop struct {
	Package string        `json:"package"`
	Kind    string        `json:"kind"` // cpu, alloc_space, alloc_objects
	Unit    string        `json:"unit"`
	Total   int64         `json:"total"`
	Path    string        `json:"path,omitempty"` // raw profile, for go tool pprof
	Top     []ProfileFunc `json:"top"`
	// Stacks are the heaviest sampled stacks (root first), for flame graphs.
	Stacks []ProfileStack `json:"stacks,omitempty"`
	// Lines are the module's own source lines that samples pass through
	// (cumulative value, heaviest first); they tell which escapes run hot.
	Lines []ProfileLine `json:"lines,omitempty"`
}

// ProfileLine is one source line's cumulative share of a profile.
type ProfileLine struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Func string `json:"func,omitempty"`
	Cum  int64  `json:"cum"`
}

// ProfileFunc is one function's share of a profile.
type ProfileFunc struct {
	Func string  `json:"func"`
	File string  `json:"file,omitempty"`
	Line int     `json:"line,omitempty"`
	Flat int64   `json:"flat"`
	Cum  int64   `json:"cum"`
	Pct  float64 `json:"flat_pct"`
	// StartLine is the line where the function starts (profile
	// Function.StartLine); with File it joins inlined closures to escapes.
	StartLine int `json:"start_line,omitempty"`
}

// ProfileStack is one sampled stack with its value.
type ProfileStack struct {
	Funcs []string `json:"funcs"`
	Value int64    `json:"value"`
}

// Escape is one compiler escape-analysis diagnostic.
type Escape struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Code     string `json:"code"` // escape, leak, ...
	Message  string `json:"message"`
	Function string `json:"function,omitempty"`
	// FuncLine is the line where Function (or its func literal) starts.
	FuncLine int      `json:"func_line,omitempty"`
	Hot      bool     `json:"hot"`
	Heat     float64  `json:"heat,omitempty"` // the line's largest share of a benchmark's allocated objects, 0..1
	Flow     []string `json:"flow,omitempty"`
	// Returned: the compiler's flow ends at a result of the function, so
	// the value outlives the call only because it is returned (never Hot;
	// its Heat is still recorded when it runs in a profiled hot path).
	Returned bool `json:"returned,omitempty"`
	// Inlined is the place (file:line) of the inlined function the escape
	// happened in, when it is not the line's own code.
	Inlined string `json:"inlined,omitempty"`
	// Allocator is the runtime function that makes the escape's
	// allocation when the source tells (runtime.convT64 for an int boxed
	// into an interface; "none" when it never allocates).
	Allocator string `json:"allocator,omitempty"`
}

// Lab is a hands-on lab run by gocap run (ebpf, wasm, zerotrust...).
type Lab struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Dimension  string `json:"dimension"`
	Status     Status `json:"status"`
	DurationMS int64  `json:"duration_ms"`
	Summary    string `json:"summary"`
	Steps      []Step `json:"steps"`
}

// Step is one step of a lab.
type Step struct {
	Name       string   `json:"name"`
	Status     Status   `json:"status"`
	DurationMS int64    `json:"duration_ms"`
	Summary    string   `json:"summary"`
	Metrics    []Metric `json:"metrics,omitempty"`
	// Reason says why a step failed or was skipped (unsupported hook...).
	Reason string `json:"reason,omitempty"`
}

// Metric is one measurement of a lab step.
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

// Artifact is a file written beside a report.
type Artifact struct {
	Kind string `json:"kind"`
	Path string `json:"path"`
}

// Findings returns every finding of every check, ordered by file, line, rule.
func (r *Report) Findings() []Finding {
	var all []Finding
	for _, c := range r.Checks {
		all = append(all, c.Findings...)
	}
	SortFindings(all)
	return all
}

// SortFindings orders findings by file, line, column, check, rule and message.
func SortFindings(fs []Finding) { slices.SortStableFunc(fs, compareFindings) }

func compareFindings(a, b Finding) int {
	return cmp.Or(
		strings.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Col, b.Col),
		strings.Compare(a.Check, b.Check),
		strings.Compare(a.Rule, b.Rule),
		strings.Compare(a.Message, b.Message),
	)
}

// Check returns the check with the given id, or nil.
func (r *Report) Check(id string) *Check {
	for i := range r.Checks {
		if r.Checks[i].ID == id {
			return &r.Checks[i]
		}
	}
	return nil
}

// Dimension returns the dimension with the given id, or nil.
func (r *Report) Dimension(id string) *Dimension {
	for i := range r.Dimensions {
		if r.Dimensions[i].ID == id {
			return &r.Dimensions[i]
		}
	}
	return nil
}

// ErrBadReport is wrapped by every error Read returns for input that is not a
// usable gocap report.
var ErrBadReport = errors.New("not a gocap report")

// Read decodes a report and validates its schema version.
func Read(r io.Reader, name string) (*Report, error) {
	dec := json.NewDecoder(r)
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: %w (invalid or truncated JSON: %w); pass a file written by gocap --format json", name, ErrBadReport, err)
	}
	v, ok := raw["schema_version"]
	if !ok {
		return nil, fmt.Errorf("%s: %w (no schema_version); pass a file written by gocap --format json", name, ErrBadReport)
	}
	var ver int
	if err := json.Unmarshal(v, &ver); err != nil || ver != SchemaVersion {
		return nil, fmt.Errorf("%s: %w: schema_version %s, this gocap reads %d; re-run the matching gocap version", name, ErrBadReport, string(v), SchemaVersion)
	}
	var rep Report
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrBadReport, err)
	}
	if rep.Tool.Name != "gocap" {
		return nil, fmt.Errorf("%s: %w (tool.name is %q); pass a file written by gocap", name, ErrBadReport, rep.Tool.Name)
	}
	return &rep, nil
}

// openError is a report file that cannot be opened. It is an ErrBadReport,
// but its message says what is wrong (missing, unreadable) rather than
// blaming the file's content.
type openError struct {
	path string
	err  error
}

func (e *openError) Error() string {
	cause := e.err
	var pe *fs.PathError
	if errors.As(cause, &pe) {
		cause = pe.Err // the path is already named
	}
	return fmt.Sprintf("%s: cannot open (%v): pass a report written by gocap --format json", e.path, cause)
}

func (e *openError) Unwrap() []error { return []error{ErrBadReport, e.err} }

// ReadFile reads a report from a file; every error is an ErrBadReport
// naming the file.
func ReadFile(path string) (*Report, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a folder: %w; pass a report written by gocap --format json", path, ErrBadReport)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &openError{path: path, err: err}
	}
	defer func() { _ = f.Close() }() // read-only: a close error cannot lose data
	return Read(f, path)
}

// WriteJSON renders the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
