package checks

import (
	"github.com/gocap/gocap/checks/internal/lint"
	"github.com/gocap/gocap/reports"
)

// Modernize reports code that the module's own Go version can write more
// simply, with the modernize suite of golang.org/x/tools.
var Modernize = &Check{
	ID:   "modernize",
	Name: "modernize (code behind its go version)",
	Doc: `code older than the module's go line: golang.org/x/tools modernize suite

Runs the analyzers of golang.org/x/tools/go/analysis/passes/modernize (its
Suite: any for interface{}, min/max, range over int, slices.Contains,
strings.Cut, maps.Copy loops, wg.Go, t.Context and more) in the shared
analysis run (see the vet check). Each analyzer reads the file's Go version
(the module's go directive, or a //go:build go1.N line), so it only suggests
what that version has. Findings are info notes in the style dimension; the
summary says how many places lag the go version and which modernizers fire
most. go fix -diff ./... (Go 1.26) shows the same changes as a diff and go
fix ./... applies them.`,
	URL:      "https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/modernize",
	Measures: []string{reports.DimStyle},
	Run:      lintRun(lint.CheckModernize),
}
