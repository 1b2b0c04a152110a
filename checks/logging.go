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

Heuristics and known false positives: a non-main package that is a program's
own output layer (cmd/x/internal/ui) prints on purpose and is reported;
printing through a *log.Logger or an io.Writer the caller passed in is not
reported, even when it ends up on stdout; test files and main packages are
never reported.`,
	URL:      "https://pkg.go.dev/log/slog",
	Measures: []string{reports.DimObservability},
	Run:      lintRun(lint.CheckLogging),
}
