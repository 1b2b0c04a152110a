package wasmrun

import (
	"errors"
	"fmt"
	"strings"
)

// Errors a caller can branch on with errors.Is.
var (
	// ErrTimeout: the run or call passed its timeout; the module was closed.
	ErrTimeout = errors.New("timed out")
	// ErrMemoryLimit: the module needs or grew to more memory than the cap.
	ErrMemoryLimit = errors.New("memory limit")
	// ErrStackOverflow: the guest recursed past the call stack limit.
	ErrStackOverflow = errors.New("stack overflow")
	// ErrMalformed: the bytes are not a valid WebAssembly module.
	ErrMalformed = errors.New("malformed module")
	// ErrRefused: the module was refused before instantiation (see RefusedError).
	ErrRefused = errors.New("module refused")
	// ErrClosed: the plugin was closed.
	ErrClosed = errors.New("plugin closed")
)

// ExitError is a command module's non-zero exit code (proc_exit).
type ExitError struct{ Code uint32 }

func (e *ExitError) Error() string { return fmt.Sprintf("module exited with code %d", e.Code) }

// ExitCode returns the guest's exit code.
func (e *ExitError) ExitCode() int { return int(e.Code) }

// RefusedError says why a module was refused before instantiation: imports
// outside the allow-list or a sha256 mismatch. It matches ErrRefused.
type RefusedError struct {
	Reason     string
	Disallowed []string // module.name of refused imports
}

func (e *RefusedError) Error() string {
	if len(e.Disallowed) > 0 {
		return "module refused: " + e.Reason + ": " + strings.Join(e.Disallowed, ", ")
	}
	return "module refused: " + e.Reason
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// GuestError is an error message a plugin function returned through the ABI
// (bit 31 of the result length set).
type GuestError struct {
	Func    string
	Message string
}

func (e *GuestError) Error() string { return e.Func + ": " + e.Message }

// TrapError is any other trap of the guest (unreachable, out-of-bounds
// memory access, integer divide by zero...).
type TrapError struct {
	Func string
	Err  error
}

func (e *TrapError) Error() string { return e.Func + " trapped: " + e.Err.Error() }
func (e *TrapError) Unwrap() error { return e.Err }
