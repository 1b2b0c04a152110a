package checks

import (
	"github.com/gocap/gocap/checks/internal/lint"
	"github.com/gocap/gocap/reports"
)

// Staticcheck reports bugs, unused code and deprecated APIs with
// staticcheck's analyzers (honnef.co/go/tools) in the shared analysis run.
var Staticcheck = &Check{
	ID:   "staticcheck",
	Name: "staticcheck (SA bugs, U1000 unused, SA1019 deprecated)",
	Doc: `staticcheck 2026.2.2 (honnef.co/go/tools v0.8.2) in the shared analysis run

Runs staticcheck's analyzers over the same load and checker run as the vet,
errors and logging checks (see the vet check). By default the selection is
staticcheck -checks 'SA*,U1000': every SA check (bugs such as SA4006 a value
assigned and never read, SA1029 a built-in type as a context key, SA5007
infinite recursion) and U1000 (unused code). .gocap.yaml selects more, with
staticcheck's syntax:

  staticcheck:
    checks: ["SA*", "U1000", "S*", "ST*", "QF*", "-ST1000"]

Rules read staticcheck/SA1019. Dimensions: SA checks cost correctness points,
at staticcheck's own severity (its error-severity checks are errors, the rest
warnings); SA1019 (a deprecated API) and U1000 (unused code) are style
warnings, a maintenance cost rather than a bug; S, ST and QF checks are style
info notes. U1000 sees the package with its tests, as staticcheck does by
default: code only tests use is used.

Besides //gocap:ignore, gocap honours staticcheck's own directives as
staticcheck does (//lint:ignore SA1019 reason on the line before or at the
end of the offending line's statement, //lint:file-ignore U1000 reason for a
file) and golangci-lint's //nolint:staticcheck (or //nolint:unused for
U1000).

Known false positives: U1000 reports code used only under other build tags
or GOOS/GOARCH than gocap's; SA checks share staticcheck's own (rare) ones.`,
	URL:      "https://staticcheck.dev/docs/checks/",
	Measures: []string{reports.DimCorrectness, reports.DimStyle},
	Run:      lintRun(lint.CheckStaticcheck),
}
