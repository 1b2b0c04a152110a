//go:build linux && amd64

package root

import (
	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/internal/runtimelab"
)

// ebpfLab is the eBPF lab (Linux on amd64: the objects are built for x86).
func ebpfLab() labs.Lab { return ebpfprobe.Lab }

// runtimeLab is the runtime lab (its GC pauses come from the eBPF tracer).
func runtimeLab() labs.Lab { return runtimelab.Lab }
