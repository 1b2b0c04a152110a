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
	return unsupportedLab("ebpf", "eBPF probes", reports.LabEBPF, "the eBPF lab")
}

// runtimeLab stands in for the runtime lab, whose GC pauses come from the
// eBPF tracer.
func runtimeLab() labs.Lab {
	return unsupportedLab(reports.LabRuntime, "Go runtime under load", reports.LabRuntime, "the runtime lab")
}

func unsupportedLab(id, name, dim, what string) labs.Lab {
	return labs.Lab{ID: id, Name: name, Dimension: dim, Run: func(context.Context, labs.Options) reports.Lab {
		start := time.Now()
		l := reports.Lab{Steps: []reports.Step{{Name: "platform", Status: reports.StatusSkipped,
			Reason: "not supported on this system (" + runtime.GOOS + "/" + runtime.GOARCH + "): " + what + " needs Linux on amd64"}}}
		labs.Finish(&l, start)
		return l
	}}
}
