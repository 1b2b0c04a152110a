package checks

import "github.com/gocap/gocap/reports"

// testChecks is the explicit list the tests choose from (cmd/gocap has the
// real one, in the same order).
var testChecks = []*Check{Vet, Fmt, Tidy, Race, Escape, Pprof, Errors, Logging, Staticcheck, Modernize}

// scored scores rep as internal/pipeline does after the checks (Score once,
// then the Memory headline), for tests that read dimensions.
func scored(rep *reports.Report) *reports.Report {
	reports.Score(rep, nil)
	MemoryHeadline(rep)
	return rep
}
