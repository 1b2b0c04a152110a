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

go/packages loads the selected packages once, with their tests and (as go vet
does through its fact files) every dependency from source; one
golang.org/x/tools/go/analysis/checker run applies cmd/vet's exact analyzer
list for Go 1.26 plus nilness, unusedwrite, deepequalerrors,
reflectvaluecompare and sortslice. The errors and logging checks share that
load and run. Packages analysed are the ones go vet vets: a package's test
variant in place of the package, external test packages, no test mains.

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
conditions can be intentional defensive checks. Known false negative: to
load fast, dependency function bodies that cannot yield a printf-wrapper or
never-returns fact are not type-checked; a dependency function that calls
os.Exit (or the like) and then runs more code before returning would lose
its never-returns fact, which go vet would have. Results are cached under the
user cache folder keyed by the module's source content, the go command and
gocap's binary (GOCAP_CACHE=off disables it, GOCAP_CACHE=DIR moves it).`,
	URL:      "https://pkg.go.dev/cmd/vet",
	Measures: []string{reports.DimCorrectness, reports.DimConcurrency},
	Run:      lintRun(lint.CheckVet),
}
