// Package labs describes the hands-on labs that `gocap run` adds to a report:
// each lab is data plus a Run function, like a check.
package labs

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gocap/gocap/reports"
)

// Lab is one hands-on lab (ebpf, wasm, zerotrust).
type Lab struct {
	ID        string
	Name      string
	Dimension string // a reports.Dimensions ID
	// Run performs the lab's steps. It never panics for a missing kernel
	// feature: such a step is reported skipped with the reason.
	Run func(ctx context.Context, o Options) reports.Lab
}

// Options passed to every lab.
type Options struct {
	// WorkDir is a private temp folder for the lab, removed afterwards.
	WorkDir string
	// Progress, when set, receives short status lines.
	Progress func(msg string)
}

// Step runs fn as one lab step, timing it. fn returns a summary, metrics and
// an error; a *Skip error marks the step skipped with its reason.
func Step(name string, fn func() (string, []reports.Metric, error)) reports.Step {
	start := time.Now()
	sum, ms, err := fn()
	st := reports.Step{Name: name, Summary: sum, Metrics: ms, DurationMS: time.Since(start).Milliseconds(), Status: reports.StatusPass}
	if err != nil {
		if s, ok := errors.AsType[*Skip](err); ok {
			st.Status = reports.StatusSkipped
			st.Reason = s.Reason
		} else {
			st.Status = reports.StatusFail
			st.Reason = err.Error()
		}
	}
	return st
}

// Skip is returned by a step that cannot run here (an unsupported hook).
type Skip struct{ Reason string }

func (s *Skip) Error() string { return "skipped: " + s.Reason }

// Finish sets a lab's status and summary from its steps.
func Finish(l *reports.Lab, start time.Time) {
	l.DurationMS = time.Since(start).Milliseconds()
	pass, fail, skip := 0, 0, 0
	for _, s := range l.Steps {
		switch s.Status {
		case reports.StatusPass:
			pass++
		case reports.StatusSkipped:
			skip++
		default:
			fail++
		}
	}
	switch {
	case fail > 0:
		l.Status = reports.StatusFail
	case pass == 0:
		l.Status = reports.StatusSkipped
	default:
		l.Status = reports.StatusPass
	}
	l.Summary = fmtSummary(pass, fail, skip)
}

func fmtSummary(pass, fail, skip int) string {
	s := strconv.Itoa(pass) + " passed, " + strconv.Itoa(fail) + " failed"
	if skip > 0 {
		s += ", " + strconv.Itoa(skip) + " skipped"
	}
	return s
}
