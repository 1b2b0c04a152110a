package checks

import (
	"github.com/gocap/gocap/checks/internal/lint"
	"github.com/gocap/gocap/reports"
)

// Logging reports printing from library code, where log/slog belongs.
var Logging = &Check{
	ID:   "logging",
	Name: "logging practice (printlog)",
	Doc: `fmt.Print*, log.Print* and println in library packages

Runs gocap's own analyzer checks/analyzers/printlog in the shared analysis
run (see the vet check). In packages not named main and in non-test files it
reports, as warnings in the observability dimension: fmt.Print/Printf/Println,
fmt.Fprint* to os.Stdout or os.Stderr, the package-level functions of package
log (Print*, and Fatal*/Panic*, which also end the caller's program, and
log.Default()), and the built-in print/println. The practice is structured
logging with log/slog (a *slog.Logger passed in, or slog.Default()) or
returning the text or an error to the caller.

A logging library keeps its last resort: in a package that implements a
logger (it declares a type with at least two exported logger-like methods:
Print*, Debug*, Info*, Warn*, Error*, Fatal*, Panic*, Log*, Msg*, Trace*),
fmt.Fprint* to os.Stderr is not reported on a failure path — inside an if
block whose condition compares an error with nil (the logger could not write
its event and has nowhere else to say so) or in a deferred function that
calls recover. Its other prints are reported.

Heuristics and known false positives: a non-main package that is a program's
own output layer (cmd/x/internal/ui) prints on purpose and is reported;
printing through a *log.Logger or an io.Writer the caller passed in is not
reported, even when it ends up on stdout; test files and main packages are
never reported.`,
	URL:      "https://pkg.go.dev/log/slog",
	Measures: []string{reports.DimObservability},
	Run:      lintRun(lint.CheckLogging),
}
