package checks

import (
	"github.com/gocap/gocap/checks/internal/lint"
	"github.com/gocap/gocap/reports"
)

// Errors reports error handling defects with errcheck and go-errorlint.
var Errors = &Check{
	ID:   "errors",
	Name: "error handling (errcheck, errorlint)",
	Doc: `errors dropped, or compared in ways that break on wrapping

Runs github.com/kisielk/errcheck and codeberg.org/polyfloyd/go-errorlint as
analyzers in the shared analysis run (see the vet check):

  - errcheck/dropped (rule errcheck, error): a call whose error result is not
    used at all. errcheck's default exclusions apply (fmt.Print*, writes to
    bytes.Buffer and strings.Builder, hash writes, …); an explicit _ = f() is
    accepted as a deliberate decision.
  - errorlint/comparison, errorlint/switch (error): err == ErrX, err != ErrX
    or switch err { case ErrX: } where err may be wrapped; errors.Is sees
    through wrapping, == does not. Comparisons with io.EOF from the readers
    documented to return it unwrapped (and the other pairs on go-errorlint's
    allow list) are not reported.
  - errorlint/assertion, errorlint/type-switch (error): err.(*T) and type
    switches on errors; use errors.As.
  - errorlint/errorf (warning): fmt.Errorf formats an error with %v or %s
    instead of %w, cutting the chain.

Known false positives: errors that are documented never to be wrapped (a
sentinel returned by your own unexported function) are reported by
errorlint; Close on a read-only file is reported by errcheck although its
error rarely matters; %v in fmt.Errorf can be a deliberate choice to hide an
implementation error from callers.`,
	URL:      "https://github.com/kisielk/errcheck",
	Measures: []string{reports.DimErrors},
	Run:      lintRun(lint.CheckErrors),
}
