package root

import (
	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/mtls"
	"github.com/gocap/gocap/wasmrun/wasmlab"
)

// Checks is every check gocap check runs, in report order: the table of
// contents of gocap check (--checks, --skip and .gocap.yaml choose among
// them). A new check is added here.
func Checks() []*checks.Check {
	return []*checks.Check{
		checks.Vet,
		checks.Fmt,
		checks.Tidy,
		checks.Race,
		checks.Escape,
		checks.Pprof,
		checks.Errors,
		checks.Logging,
		checks.GC,
		checks.Leak,
		checks.Staticcheck,
		checks.Modernize,
	}
}

// Labs is every hands-on lab gocap run performs, in report order.
func Labs() []labs.Lab {
	return []labs.Lab{
		ebpfLab(),
		mtls.Lab,
		wasmlab.Lab,
		runtimeLab(),
	}
}
