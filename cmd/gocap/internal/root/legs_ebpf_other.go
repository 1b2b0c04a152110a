//go:build !(linux && amd64)

package root

import (
	"context"
	"runtime"
	"time"

	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

// ebpfLab stands in for the eBPF lab where it cannot run: one skipped step
// saying why.
func ebpfLab() labs.Lab {
	return labs.Lab{ID: "ebpf", Name: "eBPF probes", Dimension: reports.LabEBPF, Run: func(context.Context, labs.Options) reports.Lab {
		start := time.Now()
		l := reports.Lab{Steps: []reports.Step{{Name: "platform", Status: reports.StatusSkipped,
			Reason: "not supported on this system (" + runtime.GOOS + "/" + runtime.GOARCH + "): the eBPF lab needs Linux on amd64"}}}
		labs.Finish(&l, start)
		return l
	}}
}
