// Package runtimelab is the runtime lab of `gocap run`: it builds an
// embedded sample HTTP service, starts it with its stop-the-world pauses
// watched (the eBPF tracer, else GODEBUG=gctrace=1), loads it at 10k
// requests per second for a few seconds through gocap load's engine, and
// says whether the marks the runtime-capability brief sets — 10k requests
// per second sustained, no stop-the-world over 50 ms — held on this machine.
package runtimelab

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/internal/loadgen"
	"github.com/gocap/gocap/reports"
)

//go:embed sample/main.go
var sampleSrc []byte

// The marks.
const (
	// Rate is the asked load, requests per second.
	Rate = 10000
	// Duration of the load.
	Duration = 3 * time.Second
	// HeldShare: the rate is held when at least this share was achieved.
	HeldShare = 0.95
	// MaxSTW is the longest stop-the-world pause the mark allows.
	MaxSTW = 50 * time.Millisecond
)

// Lab is the runtime lab.
var Lab = labs.Lab{ID: reports.LabRuntime, Name: labName, Dimension: reports.LabRuntime, Run: runLab}

const labName = "Go runtime under load (10k requests/s, stop-the-world)"

func runLab(ctx context.Context, o labs.Options) reports.Lab {
	start := time.Now()
	progress := func(m string) {
		if o.Progress != nil {
			o.Progress(m)
		}
	}
	l := reports.Lab{ID: reports.LabRuntime, Name: labName, Dimension: reports.LabRuntime}
	var bin string
	progress("build the sample service")
	l.Steps = append(l.Steps, labs.Step("build the sample HTTP service", func() (string, []reports.Metric, error) {
		var err error
		bin, err = BuildSample(ctx, o.WorkDir)
		if errors.Is(err, exec.ErrNotFound) {
			return "", nil, &labs.Skip{Reason: "no go toolchain on PATH to build the sample service"}
		}
		if err != nil {
			return "", nil, err
		}
		return "built from gocap's embedded source (standard library only)", nil, nil
	}))
	var res *loadgen.Result
	var tgt *loadgen.TargetReport
	progress("10k requests/s")
	l.Steps = append(l.Steps, labs.Step(fmt.Sprintf("%dk requests/s for %v", Rate/1000, Duration), func() (string, []reports.Metric, error) {
		if bin == "" {
			return "", nil, &labs.Skip{Reason: "the sample service was not built"}
		}
		var err error
		res, tgt, err = LoadSample(ctx, bin, Rate, Duration)
		if err != nil {
			return "", nil, err
		}
		ms := []reports.Metric{
			{Name: "rate_asked", Value: res.RateAsked, Unit: "req/s"},
			{Name: "rate_achieved", Value: res.RateAchieved, Unit: "req/s"},
			{Name: "success", Value: res.Success},
			{Name: "p50", Value: res.Latency.P50.Seconds() * 1e3, Unit: "ms"},
			{Name: "p99", Value: res.Latency.P99.Seconds() * 1e3, Unit: "ms"},
			{Name: "max", Value: res.Latency.Max.Seconds() * 1e3, Unit: "ms"},
		}
		sum := fmt.Sprintf("asked %d/s, achieved %.0f/s, %.2f%% ok, p50 %s, p99 %s, max %s (from the intended send time)",
			Rate, res.RateAchieved, 100*res.Success, ms3(res.Latency.P50), ms3(res.Latency.P99), ms3(res.Latency.Max))
		if g := tgt.GC; g != nil {
			ms = append(ms, reports.Metric{Name: "stw_pauses", Value: float64(g.Pauses)},
				reports.Metric{Name: "stw_p99", Value: g.P99.Seconds() * 1e3, Unit: "ms"},
				reports.Metric{Name: "stw_max", Value: g.Max.Seconds() * 1e3, Unit: "ms"})
			sum += fmt.Sprintf("; the service's stop-the-world (%s): %d pauses, p99 %s, max %s", g.Source, g.Pauses, ms3(g.P99), ms3(g.Max))
		}
		if res.Success < 0.99 {
			return sum, ms, fmt.Errorf("only %.1f%% of the requests succeeded (%v)", 100*res.Success, res.Errors)
		}
		return sum, ms, nil
	}))
	l.Steps = append(l.Steps, labs.Step(fmt.Sprintf("mark: %dk requests/s sustained here", Rate/1000), func() (string, []reports.Metric, error) {
		if res == nil {
			return "", nil, &labs.Skip{Reason: "the load did not run"}
		}
		if res.RateAchieved < HeldShare*Rate {
			return "", nil, fmt.Errorf("achieved %.0f of %d requests/s (%s): not held on this machine", res.RateAchieved, Rate, machineLoad())
		}
		return fmt.Sprintf("held: %.0f requests/s (%s)", res.RateAchieved, machineLoad()), nil, nil
	}))
	l.Steps = append(l.Steps, labs.Step(fmt.Sprintf("mark: stop-the-world ≤ %v under load", MaxSTW), func() (string, []reports.Metric, error) {
		if tgt == nil || tgt.GC == nil {
			why := "the load did not run"
			if tgt != nil && len(tgt.Notes) > 0 {
				why = tgt.Notes[0]
			}
			return "", nil, &labs.Skip{Reason: why}
		}
		if tgt.GC.Pauses == 0 {
			return "", nil, &labs.Skip{Reason: "the service did not collect garbage during the load"}
		}
		if tgt.GC.Max > MaxSTW {
			return "", nil, fmt.Errorf("longest pause %s (%s): not held on this machine", ms3(tgt.GC.Max), machineLoad())
		}
		return fmt.Sprintf("held: longest of %d pauses %s (%s)", tgt.GC.Pauses, ms3(tgt.GC.Max), machineLoad()), nil, nil
	}))
	labs.Finish(&l, start)
	return l
}

// BuildSample writes the embedded sample service into dir and builds it.
func BuildSample(ctx context.Context, dir string) (string, error) {
	if _, err := exec.LookPath("go"); err != nil {
		return "", err
	}
	src := filepath.Join(dir, "sample")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), sampleSrc, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module sample\n\ngo 1.22\n"), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sample-service")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the sample service: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// LoadSample starts the sample service at bin on a free loopback port,
// loads it at rate for d, stops it, and returns the load's result and what
// was measured of the service.
func LoadSample(ctx context.Context, bin string, rate int, d time.Duration) (*loadgen.Result, *loadgen.TargetReport, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	url := "http://" + addr + "/api/items?id=42"
	tgt, err := loadgen.StartTarget(ctx, url, loadgen.TargetOptions{Cmd: []string{bin, "-addr", addr}})
	if err != nil {
		return nil, nil, err
	}
	defer tgt.Close()
	tgt.Before(ctx)
	res, err := loadgen.Run(ctx, loadgen.Options{URL: url, Rate: rate, Duration: d})
	if err != nil {
		return nil, nil, err
	}
	return res, tgt.After(context.WithoutCancel(ctx)), nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// machineLoad is the 1-minute load average against the CPUs, the context
// every figure of this lab needs on a shared machine.
func machineLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return fmt.Sprintf("%d CPUs", runtime.NumCPU())
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return fmt.Sprintf("%d CPUs", runtime.NumCPU())
	}
	return fmt.Sprintf("load average %s on %d CPUs", f[0], runtime.NumCPU())
}

func ms3(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f µs", float64(d)/1e3)
}
