// Package cmdutil holds what every gocap command shares: typed errors that map
// to exit codes, the progress line, and output writing.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// VerdictError is a negative verdict that is the command's own result, not
// a threshold (exit 1, as a gate): a plugin returned an error, a module or
// program was refused. Its message names the failure as what it is, without
// "gate failed:".
type VerdictError struct{ Msg string }

func (e *VerdictError) Error() string { return e.Msg }

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
	case errors.As(err, &ge), errors.As(err, new(*VerdictError)):
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
