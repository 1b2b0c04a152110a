package lint

import (
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/appends"
	"golang.org/x/tools/go/analysis/passes/asmdecl"
	"golang.org/x/tools/go/analysis/passes/assign"
	"golang.org/x/tools/go/analysis/passes/atomic"
	"golang.org/x/tools/go/analysis/passes/bools"
	"golang.org/x/tools/go/analysis/passes/buildtag"
	"golang.org/x/tools/go/analysis/passes/cgocall"
	"golang.org/x/tools/go/analysis/passes/composite"
	"golang.org/x/tools/go/analysis/passes/copylock"
	"golang.org/x/tools/go/analysis/passes/deepequalerrors"
	"golang.org/x/tools/go/analysis/passes/defers"
	"golang.org/x/tools/go/analysis/passes/directive"
	"golang.org/x/tools/go/analysis/passes/errorsas"
	"golang.org/x/tools/go/analysis/passes/framepointer"
	"golang.org/x/tools/go/analysis/passes/hostport"
	"golang.org/x/tools/go/analysis/passes/httpresponse"
	"golang.org/x/tools/go/analysis/passes/ifaceassert"
	"golang.org/x/tools/go/analysis/passes/loopclosure"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/analysis/passes/nilfunc"
	"golang.org/x/tools/go/analysis/passes/nilness"
	"golang.org/x/tools/go/analysis/passes/printf"
	"golang.org/x/tools/go/analysis/passes/reflectvaluecompare"
	"golang.org/x/tools/go/analysis/passes/shift"
	"golang.org/x/tools/go/analysis/passes/sigchanyzer"
	"golang.org/x/tools/go/analysis/passes/slog"
	"golang.org/x/tools/go/analysis/passes/sortslice"
	"golang.org/x/tools/go/analysis/passes/stdmethods"
	"golang.org/x/tools/go/analysis/passes/stdversion"
	"golang.org/x/tools/go/analysis/passes/stringintconv"
	"golang.org/x/tools/go/analysis/passes/structtag"
	"golang.org/x/tools/go/analysis/passes/testinggoroutine"
	"golang.org/x/tools/go/analysis/passes/tests"
	"golang.org/x/tools/go/analysis/passes/timeformat"
	"golang.org/x/tools/go/analysis/passes/unmarshal"
	"golang.org/x/tools/go/analysis/passes/unreachable"
	"golang.org/x/tools/go/analysis/passes/unsafeptr"
	"golang.org/x/tools/go/analysis/passes/unusedresult"
	"golang.org/x/tools/go/analysis/passes/unusedwrite"
	"golang.org/x/tools/go/analysis/passes/waitgroup"

	"codeberg.org/polyfloyd/go-errorlint/errorlint"

	"github.com/gocap/gocap/checks/analyzers/printlog"
	"github.com/gocap/gocap/reports"
)

// Checks that own analyzers.
const (
	CheckVet     = "vet"
	CheckErrors  = "errors"
	CheckLogging = "logging"
)

// Rule describes one analyzer as gocap reports it.
type Rule struct {
	Analyzer *analysis.Analyzer
	// Check is the gocap check whose findings this analyzer produces.
	Check string
	// Vet marks the analyzers of cmd/vet's suite.
	Vet bool
	// Dimension the findings cost points in.
	Dimension string
	// Severity of the findings (see Severity for per-category exceptions).
	Severity reports.Severity
	// Hint: one line, why it matters and how to fix it.
	Hint string
	// SubHints override Hint for a sub-rule (diagnostic category).
	SubHints map[string]string
	// SubSeverity overrides Severity for a sub-rule.
	SubSeverity map[string]reports.Severity
	// TestSeverity, when set, is the severity of findings in _test.go files.
	TestSeverity reports.Severity
}

// VetSuite is cmd/vet's analyzer list for Go 1.26 (src/cmd/vet/main.go), in
// its order. TestVetSuiteMatchesGo checks it against the installed toolchain.
var VetSuite = []*analysis.Analyzer{
	appends.Analyzer,
	asmdecl.Analyzer,
	assign.Analyzer,
	atomic.Analyzer,
	bools.Analyzer,
	buildtag.Analyzer,
	cgocall.Analyzer,
	composite.Analyzer,
	copylock.Analyzer,
	defers.Analyzer,
	directive.Analyzer,
	errorsas.Analyzer,
	framepointer.Analyzer,
	httpresponse.Analyzer,
	hostport.Analyzer,
	ifaceassert.Analyzer,
	loopclosure.Analyzer,
	lostcancel.Analyzer,
	nilfunc.Analyzer,
	printf.Analyzer,
	shift.Analyzer,
	sigchanyzer.Analyzer,
	slog.Analyzer,
	stdmethods.Analyzer,
	stdversion.Analyzer,
	stringintconv.Analyzer,
	structtag.Analyzer,
	tests.Analyzer,
	testinggoroutine.Analyzer,
	timeformat.Analyzer,
	unmarshal.Analyzer,
	unreachable.Analyzer,
	unsafeptr.Analyzer,
	unusedresult.Analyzer,
	waitgroup.Analyzer,
}

// newErrorlint returns go-errorlint with every lint on, including the
// fmt.Errorf %v-of-an-error check (reported as a warning).
func newErrorlint() *analysis.Analyzer {
	a := errorlint.NewAnalyzer(errorlint.WithComparison(true), errorlint.WithAsserts(true))
	if err := a.Flags.Set("errorf", "true"); err != nil {
		panic("errorlint: " + err.Error()) // the flag is part of its API
	}
	return a
}

const (
	dimCorrect = reports.DimCorrectness
	dimConc    = reports.DimConcurrency
	dimErrors  = reports.DimErrors
	dimObs     = reports.DimObservability
	dimStyle   = reports.DimStyle
)

// Options configure the analyzers (.gocap.yaml's errcheck and staticcheck
// sections).
type Options struct {
	Errcheck ErrcheckOptions `json:"errcheck"`
	// Staticcheck selects staticcheck's checks (see SelectStaticcheck);
	// nil means DefaultStaticcheck.
	Staticcheck []string `json:"staticcheck,omitempty"`
	// Module is the main module's path (set by the vet-tool engine: the
	// vet tool computes the costly facts only for it and the standard
	// library).
	Module string `json:"module,omitempty"`
}

// DefaultOptions are gocap's defaults.
func DefaultOptions() Options { return Options{Errcheck: DefaultErrcheck} }

// Rules returns the table of every analyzer gocap runs at its defaults.
func Rules() []Rule {
	r, err := RulesFor(DefaultOptions())
	if err != nil {
		panic("lint: default rules: " + err.Error()) // the defaults are constants
	}
	return r
}

// RulesFor returns the table of every analyzer gocap runs with opts, one
// fresh table per call (errorlint and errcheck are configured per
// instance). An unknown staticcheck check name is an error.
func RulesFor(opts Options) ([]Rule, error) {
	sel := opts.Staticcheck
	if sel == nil {
		sel = DefaultStaticcheck
	}
	scSel, err := SelectStaticcheck(sel)
	if err != nil {
		return nil, err
	}
	vet := func(a *analysis.Analyzer, dim, hint string) Rule {
		return Rule{Analyzer: a, Check: CheckVet, Vet: true, Dimension: dim, Severity: reports.SevError, Hint: hint}
	}
	rules := []Rule{
		vet(appends.Analyzer, dimCorrect, "append(s) with no values does nothing and usually hides a forgotten argument; add the values or drop the call"),
		vet(asmdecl.Analyzer, dimCorrect, "assembly that disagrees with its Go declaration corrupts the stack or reads garbage; fix the frame size, offsets or names"),
		vet(assign.Analyzer, dimCorrect, "x = x assigns a variable to itself and does nothing, usually a typo for another name; fix the target or remove it"),
		vet(atomic.Analyzer, dimConc, "x = atomic.AddT(&x, …) races with itself: the assignment is not atomic; drop the assignment (or use atomic.Int64 and friends)"),
		vet(bools.Analyzer, dimCorrect, "a boolean expression that is redundant or always true/false is almost always a typo; simplify or fix the operand"),
		vet(buildtag.Analyzer, dimCorrect, "a misplaced or malformed //go:build line is silently ignored, so the file builds where it must not; fix its syntax and place it before package"),
		vet(cgocall.Analyzer, dimCorrect, "passing Go pointers to C that hold Go pointers breaks the cgo rules and crashes at run time; copy the data to C memory"),
		vet(composite.Analyzer, dimCorrect, "unkeyed fields of another package's struct break when it adds a field; use field names (Name: v)"),
		vet(copylock.Analyzer, dimConc, "a copied sync.Mutex (or other lock) is a second, unrelated lock, so the data is no longer protected; pass and store a pointer"),
		vet(defers.Analyzer, dimCorrect, "arguments of a deferred call are evaluated at the defer, e.g. time.Since(start) measures nothing; wrap the call in func() { … }()"),
		vet(directive.Analyzer, dimCorrect, "a misplaced or unknown //go: directive is ignored by the toolchain; fix its spelling and position"),
		vet(errorsas.Analyzer, dimCorrect, "errors.As needs a non-nil pointer to a type implementing error (or an interface), otherwise it panics; pass &target"),
		vet(framepointer.Analyzer, dimCorrect, "assembly that clobbers the frame pointer before saving it breaks profilers and tracebacks; save BP first"),
		vet(httpresponse.Analyzer, dimCorrect, "using the response before checking the error dereferences nil on failure; check err first, then defer resp.Body.Close()"),
		vet(hostport.Analyzer, dimCorrect, "fmt.Sprintf(\"%s:%d\", host, port) breaks on IPv6 literals; use net.JoinHostPort"),
		vet(ifaceassert.Analyzer, dimCorrect, "this interface conversion can never succeed (conflicting method signatures), so the code path is dead or wrong; fix the types"),
		vet(loopclosure.Analyzer, dimConc, "a goroutine or defer capturing the loop variable sees a shared, changing variable (before Go 1.22 semantics); pass it as an argument or move the file to go ≥ 1.22"),
		vet(lostcancel.Analyzer, dimConc, "the cancel function of context.WithCancel/Timeout is not called on every path, leaking the context and its timer; defer cancel() right after creating it"),
		vet(nilfunc.Analyzer, dimCorrect, "comparing a function with nil is always false (or true), so the condition is useless; call the function or compare a func variable"),
		vet(printf.Analyzer, dimCorrect, "a format verb that does not match its argument prints garbage like %!d(string=…); fix the verb or the argument (or use Print instead of Printf)"),
		vet(shift.Analyzer, dimCorrect, "a shift by at least the width of the integer always yields 0 (or -1); fix the shift count or widen the type"),
		vet(sigchanyzer.Analyzer, dimConc, "signal.Notify on an unbuffered channel drops signals that arrive while nobody receives; make the channel buffered (make(chan os.Signal, 1))"),
		vet(slog.Analyzer, dimCorrect, "slog key-value arguments out of pairs produce !BADKEY attributes; pass key, value pairs or slog.Attr values"),
		vet(stdmethods.Analyzer, dimCorrect, "a method named like a well-known interface method (String, MarshalJSON, ReadByte…) with the wrong signature is silently not used; fix its signature"),
		vet(stdversion.Analyzer, dimCorrect, "the code uses a standard-library symbol newer than the module's go line, so it fails to build with that Go; raise the go line or avoid the symbol"),
		vet(stringintconv.Analyzer, dimCorrect, "string(int) yields a rune, not decimal digits; use strconv.Itoa, or string(rune(x)) when a rune is meant"),
		vet(structtag.Analyzer, dimCorrect, "a malformed or duplicated struct tag is ignored by encoding/json and friends; write key:\"value\" pairs separated by spaces"),
		vet(tests.Analyzer, dimCorrect, "a malformed Test/Benchmark/Example/Fuzz name or signature is never run by go test; fix the name or signature"),
		vet(testinggoroutine.Analyzer, dimConc, "t.Fatal from a goroutine other than the test's does not stop the test and may crash; report with t.Error and return, or use channels"),
		vet(timeformat.Analyzer, dimCorrect, "the layout 2006-02-01 swaps day and month; Go layouts use the reference time Mon Jan 2 15:04:05 MST 2006 (2006-01-02)"),
		vet(unmarshal.Analyzer, dimCorrect, "Unmarshal/Decode into a non-pointer cannot set anything and always fails; pass a pointer"),
		vet(unreachable.Analyzer, dimCorrect, "code after return/panic never runs, often a sign of a misplaced statement; remove it or fix the control flow"),
		vet(unsafeptr.Analyzer, dimCorrect, "converting a uintptr back to unsafe.Pointer outside the allowed patterns lets the GC move or free the memory; follow the unsafe.Pointer rules"),
		vet(unusedresult.Analyzer, dimCorrect, "the result of this pure call (fmt.Sprintf, errors.New, strings.…) is dropped, so the call does nothing; use or remove it"),
		vet(waitgroup.Analyzer, dimConc, "wg.Add inside the goroutine races with wg.Wait, which may return early; call Add before the go statement (or use wg.Go)"),

		{Analyzer: nilness.Analyzer, Check: CheckVet, Dimension: dimCorrect, Severity: reports.SevError,
			Hint:        "a nil value is dereferenced or compared where its nil-ness is already known, so the code panics or the branch is dead; check for nil earlier or remove the dead branch",
			SubSeverity: map[string]reports.Severity{"cond": reports.SevWarning},
			SubHints: map[string]string{
				"cond":     "this nil comparison is always true or false here, so one branch is dead and the logic is probably not what was meant; remove it or fix the condition",
				"nilderef": "this dereference always panics: the value is nil on this path; check for nil before using it",
			}},
		{Analyzer: unusedwrite.Analyzer, Check: CheckVet, Dimension: dimCorrect, Severity: reports.SevWarning,
			Hint: "a write to a struct field or array element that is never read (often on a copy in a range loop); write through a pointer or index, or remove it"},
		{Analyzer: errorsOnly(deepequalerrors.Analyzer), Check: CheckVet, Dimension: dimCorrect, Severity: reports.SevWarning,
			Hint: "reflect.DeepEqual on errors compares their internals, which change with wrapping; use errors.Is"},
		{Analyzer: reflectvaluecompare.Analyzer, Check: CheckVet, Dimension: dimCorrect, Severity: reports.SevWarning,
			Hint: "== on reflect.Value compares the Value structs, not the values they hold; use v.Equal(u) or compare v.Interface()"},
		{Analyzer: sortslice.Analyzer, Check: CheckVet, Dimension: dimCorrect, Severity: reports.SevError,
			Hint: "sort.Slice on a non-slice panics at run time; pass a slice"},

		{Analyzer: newErrcheck(opts.Errcheck), Check: CheckErrors, Dimension: dimErrors, Severity: reports.SevError, TestSeverity: reports.SevWarning,
			Hint: "an error dropped on the floor hides failures (a short write, a failed close, a lost rollback); handle or return it, or assign to _ with a comment saying why it is safe"},
		{Analyzer: withoutRecovered(newErrorlint()), Check: CheckErrors, Dimension: dimErrors, Severity: reports.SevError, TestSeverity: reports.SevWarning,
			Hint:        "errors are wrapped (fmt.Errorf %w) on their way up; == and type assertions see only the outer error, so use errors.Is / errors.As",
			SubSeverity: map[string]reports.Severity{"errorf": reports.SevWarning},
			SubHints: map[string]string{
				"comparison":  "comparing an error with == or != fails once the error is wrapped (fmt.Errorf %w); use errors.Is(err, ErrX)",
				"switch":      "a switch on an error value fails once the error is wrapped; use if errors.Is(err, ErrX) chains",
				"assertion":   "a type assertion on an error fails once the error is wrapped; use errors.As(err, &target) (or errors.AsType)",
				"type-switch": "a type switch on an error fails once the error is wrapped; use errors.As for each type",
				"errorf":      "formatting an error with %v or %s in fmt.Errorf drops it from the chain, so errors.Is/As cannot see it; use %w when callers may inspect it",
			}},

		{Analyzer: printlog.Analyzer, Check: CheckLogging, Dimension: dimObs, Severity: reports.SevWarning,
			Hint: "library code printing to stdout/stderr cannot be filtered, levelled or parsed by its caller; log with log/slog (a *slog.Logger passed in) or return the text",
			SubHints: map[string]string{
				printlog.CategoryFatal: "log.Fatal/Panic in a library ends the caller's program and skips its defers; return an error and let main decide",
				printlog.CategoryFmt:   "fmt.Print in library code writes to the program's stdout, mixing with its real output; log with log/slog or return the text to the caller",
			}},
	}
	rules = append(rules, staticcheckRules(scSel)...)
	rules = append(rules, modernizeRules()...)
	return rules, nil
}
