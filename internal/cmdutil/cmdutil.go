// Package cmdutil holds what every gocap command shares: typed errors that map
// to exit codes, the progress line, and output writing.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/termtext"
)

// Exit codes, documented in the README.
const (
	ExitOK       = 0
	ExitGate     = 1 // a gate failed: min score, fail-on, new findings, regression
	ExitUsage    = 2 // bad input or usage
	ExitInternal = 3 // a tool or gocap itself failed
)

// ErrUsage marks bad input (exit 2). Every package that can fail on the
// caller's input (checks, the pipeline, modinfo) wraps it.
var ErrUsage = errors.New("usage")

// ErrTool marks a failing tool gocap needs, such as the go command (exit 3).
var ErrTool = errors.New("tool failure")

// GateError is returned when a gate fails; the report was still written.
type GateError struct{ Reason string }

func (e *GateError) Error() string { return "gate failed: " + e.Reason }

// Usagef returns a usage error (exit 2).
func Usagef(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, a...))
}

// Toolf returns a tool error (exit 3).
func Toolf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrTool, fmt.Sprintf(format, a...))
}

// ExitCode maps an error to gocap's exit code.
func ExitCode(err error) int {
	var ge *GateError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ge):
		return ExitGate
	case errors.Is(err, ErrUsage):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInternal // interrupted
	}
	return ExitInternal
}

// Message renders an error as the one line a user sees.
func Message(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, ErrUsage.Error()+": ")
	msg = strings.TrimPrefix(msg, ErrTool.Error()+": ")
	return "gocap: " + msg
}

// eraseLine is the ANSI "erase to the end of the line" (EL) sequence.
const eraseLine = "\x1b[K"

// Progress prints a one-line status on a terminal's stderr and nothing otherwise.
type Progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	width int // a line that wrapped could not be redrawn in place
	start time.Time
	state map[string]string
	order []string
}

// NewProgress returns a progress printer. It draws only when both Out and
// ErrOut are terminals: with the output piped (gocap check | less) or
// redirected, a line redrawn with \r would only garble it.
func NewProgress(io *iostreams.IOStreams) *Progress {
	return &Progress{w: io.ErrOut, on: io.IsStdoutTTY() && io.IsStderrTTY(), width: io.Width(), start: time.Now(), state: map[string]string{}}
}

// Update records a status for a named task and redraws the line.
func (p *Progress) Update(task, msg string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on {
		return
	}
	if _, ok := p.state[task]; !ok {
		p.order = append(p.order, task)
	}
	p.state[task] = msg
	var running, done []string
	for _, t := range p.order {
		if strings.HasPrefix(p.state[t], "done") {
			done = append(done, t)
		} else {
			running = append(running, t)
		}
	}
	line := fmt.Sprintf("⏳ %4.1fs  running: %s  done: %d/%d", time.Since(p.start).Seconds(), strings.Join(running, ","), len(done), len(p.order))
	// The progress line is decoration on a terminal: a failed write must not
	// fail the run. \x1b[K erases the rest of the line: what an earlier,
	// longer line left and the ^C the terminal echoed.
	_, _ = fmt.Fprintf(p.w, "\r%s%s", termtext.Truncate(line, p.width-1), eraseLine)
}

// Done clears the progress line; later updates (a leg that ends after an
// interrupt) draw nothing.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on {
		return
	}
	p.on = false
	_, _ = fmt.Fprint(p.w, "\r"+eraseLine) // decoration, as in Update
}
