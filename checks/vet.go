package checks

import (
	"github.com/gocap/gocap/checks/internal/lint"
	"github.com/gocap/gocap/reports"
)

// Vet runs the whole go vet suite in process, plus nilness, unusedwrite,
// deepequalerrors, reflectvaluecompare and sortslice from x/tools.
var Vet = &Check{
	ID:   "vet",
	Name: "go vet (in process) + nilness, unusedwrite",
	Doc: `the go vet suite and more x/tools analyzers, in process

The analyzers of the vet, errors, logging, staticcheck and modernize checks
run together, once, through the go command's vet protocol: go vet
-vettool=<gocap's own binary> -json runs gocap in a hidden mode
(golang.org/x/tools/go/analysis/unitchecker) once per package, in parallel,
with the dependencies' types from their export data in the build cache and
their facts (printf wrappers, functions that never return, staticcheck's
deprecation and purity facts) from the .vetx files earlier runs left there;
on dependencies only the fact-producing analyzers run. The go command caches
every package's result under its content, gocap's binary and the analyzer
options, so an unchanged package costs a cache lookup, as with go vet.
Packages analysed are the ones go vet vets: a package's test variant in place
of the package, external test packages, no test mains. The applied analyzer
list is cmd/vet's exact one for Go 1.26 plus nilness, unusedwrite,
deepequalerrors, reflectvaluecompare and sortslice. GOCAP_LINT_ENGINE=load
runs the older engine instead: one go/packages load of the module and every
dependency from source, in process, its result cached by gocap.

Every diagnostic go vet ./... prints is also reported here (a test asserts
it on gocap's testdata). Findings of the concurrency analyzers (atomic,
copylocks, loopclosure, lostcancel, sigchanyzer, testinggoroutine, waitgroup)
count in the concurrency dimension, the rest in correctness. go vet suite
findings are errors; nilness nil dereferences and sortslice are errors,
nilness impossible/tautological conditions, unusedwrite, deepequalerrors and
reflectvaluecompare are warnings. Packages that fail to load or type-check are
a "typecheck" error each; the other packages are still analysed. Findings in
generated files ("Code generated ... DO NOT EDIT.") are dropped.

Known false positives: unusedwrite reports writes kept for their side effect
on a copy that is later compared or printed through reflection; nilness
conditions can be intentional defensive checks. With the load engine only:
dependency function bodies that cannot yield a printf-wrapper or
never-returns fact are not type-checked (and dependency comments are not
read, so staticcheck's SA1019 misses deprecations), and results are cached
under the user cache folder (GOCAP_CACHE=off disables it, GOCAP_CACHE=DIR
moves it).`,
	URL:      "https://pkg.go.dev/cmd/vet",
	Measures: []string{reports.DimCorrectness, reports.DimConcurrency},
	Run:      lintRun(lint.CheckVet),
}
