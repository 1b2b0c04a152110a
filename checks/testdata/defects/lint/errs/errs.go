// Package errs plants error-handling defects.
package errs

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"example.com/defects/lint/internal/enc"
)

// ErrNotFound is wrapped by find.
var ErrNotFound = errors.New("not found")

func find(key string) error {
	return fmt.Errorf("find %q: %w", key, ErrNotFound)
}

// IsMissing compares a wrapped error with ==.
func IsMissing(key string) bool {
	return find(key) == ErrNotFound // want "errorlint/comparison: comparing with == will fail on wrapped errors"
}

// Cleanup drops the error of os.Remove: golangci-lint's std-error-handling
// preset (gocap's default) does not report it, nor Close.
func Cleanup(path string, f *os.File) {
	os.Remove(path)
	f.Close()
}

// Protect drops the error of os.Chmod, which no preset excuses.
func Protect(path string) {
	os.Chmod(path, 0o600) // want "errcheck: error returned by os.Chmod is not checked"
}

// Send drops a short write to an arbitrary writer.
func Send(w io.Writer, p []byte) {
	w.Write(p) // want `errcheck: error returned by \(io.Writer\).Write is not checked`
}

// digest is a hash.Hash like xxhash's Digest: its Write never fails.
type digest struct{ n int }

func (d *digest) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }
func (d *digest) Sum(b []byte) []byte         { return append(b, byte(d.n)) }
func (d *digest) Reset()                      { d.n = 0 }
func (d *digest) Size() int                   { return 1 }
func (d *digest) BlockSize() int              { return 1 }

// Quiet writes where an error cannot happen or comes back later: no
// findings.
func Quiet(w http.ResponseWriter, out io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString("a")
	var sb strings.Builder
	sb.WriteString("b")
	fmt.Fprintf(&sb, "%d", 1)
	d := &digest{}
	d.Write([]byte("c"))
	io.WriteString(d, "d")
	w.Write([]byte("e"))
	fmt.Fprintln(w, "f")
	bw := bufio.NewWriter(out)
	bw.WriteString("g")
	fmt.Fprintf(bw, "%s", "h")
	return bw.Flush()
}

// Rethrow compares recovered values, which are not wrapped errors: no
// errorlint finding.
func Rethrow(f func()) {
	defer func() {
		if r := recover(); r == http.ErrAbortHandler {
			panic(r)
		}
	}()
	defer func() {
		r := recover()
		switch r {
		case http.ErrAbortHandler:
			panic(r)
		}
	}()
	f()
}

// PathOf type-asserts an error.
func PathOf(err error) string {
	if pe, ok := err.(*fs.PathError); ok { // want "errorlint/assertion: type assertion on error will fail on wrapped errors"
		return pe.Path
	}
	return ""
}

// Wrap formats an error with %v.
func Wrap(err error) error {
	return fmt.Errorf("op: %v", err) // want "errorlint/errorf: non-wrapping format verb for fmt.Errorf"
}

// Kind switches on an error value.
func Kind(key string) string {
	switch find(key) {
	case ErrNotFound: // want "errorlint/switch: switch on an error will fail on wrapped errors"
		return "missing"
	}
	return "other"
}

// Fine handles errors the way the practice says: no findings.
func Fine(key string) (string, error) {
	if err := find(key); errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("fine: %w", err)
	}
	var pe *fs.PathError
	if errors.As(os.Remove(key), &pe) {
		return pe.Path, nil
	}
	_ = os.Remove(key) // a deliberate, visible decision
	return key, nil
}

// ErrMismatch is stored by this package in match.Err.
var ErrMismatch = errors.New("mismatch")

type match struct{ Err error }

// Matched compares the package's own field with its own sentinel: the
// package stores it unwrapped, so no errorlint finding.
func Matched(m *match) bool {
	m.Err = ErrMismatch
	return m.Err == ErrMismatch
}

// Invariant panics with a non-wrapping verb: the error is never returned,
// nothing unwraps it, so errorlint's errorf does not apply. No finding.
func Invariant(err error) {
	if err != nil {
		panic(fmt.Errorf("BUG: cannot happen: %s", err))
	}
}

// readField hands back what a standard reader returned, unwrapped.
func readField(r *bufio.Reader) (string, error) {
	if r == nil {
		return "", nil
	}
	return r.ReadString(',')
}

// wrappedField wraps it.
func wrappedField(r *bufio.Reader) (string, error) {
	s, err := r.ReadString(',')
	if err != nil {
		return "", fmt.Errorf("field: %w", err)
	}
	return s, nil
}

// Fields compares with io.EOF: exact for readField's pass-through, not for
// wrappedField's wrapping.
func Fields(r *bufio.Reader) bool {
	_, err := readField(r)
	if err != io.EOF {
		return false
	}
	_, err2 := wrappedField(r)
	return err2 == io.EOF // want "errorlint/comparison: comparing with == will fail on wrapped errors"
}

// stackOut is where crash reports go; tests swap it for a buffer.
var stackOut io.Writer = os.Stderr

// logOut is set from a flag outside the tests: any writer.
var logOut io.Writer = os.Stderr

// SetLog points logOut elsewhere.
func SetLog(w io.Writer) { logOut = w }

// Report writes to stderr through stackOut (the std-error-handling preset
// drops os.Stderr's errors: no finding), and to logOut, which may be any
// writer.
func Report(p []byte) {
	stackOut.Write(p)
	logOut.Write(p) // want `errcheck: error returned by \(io.Writer\).Write is not checked`
}

// colour writes escape codes around a Fprintf whose error it drops (the
// preset's print rule): the Writes are the same output. No finding.
func colour(w io.Writer, s string) {
	w.Write([]byte("\x1b[1m"))
	fmt.Fprintf(w, "%s", s)
	w.Write([]byte("\x1b[0m"))
}

// Headers writes headers into a buffer: their only error is the writer's.
func Headers(h http.Header) string {
	var buf bytes.Buffer
	h.WriteSubset(&buf, nil)
	h.Write(&buf)
	colour(&buf, "x")
	return buf.String()
}

// fail reports err and hands it back, as pflag's FlagSet.fail does.
func fail(err error) error {
	fmt.Fprintln(os.Stderr, err)
	return err
}

// wrapFail hands back a new error.
func wrapFail(err error) error {
	return fmt.Errorf("flag: %w", err)
}

// Set drops what fail hands back (its own err, returned below: no finding)
// and what wrapFail makes (a new error: a finding).
func Set(v string) (err error) {
	if v == "" {
		err = errors.New("empty")
		fail(err)
		wrapFail(err) // want `errcheck: error returned by .*wrapFail is not checked`
	}
	return err
}

// commandLine exits on a bad flag: its Parse never returns one.
var commandLine = flag.NewFlagSet("errs", flag.ExitOnError)

// ParseFlags drops Parse's error where it cannot be one: an ExitOnError
// set, a Parse with no arguments. A ContinueOnError set's error is real.
func ParseFlags(args []string) {
	commandLine.Parse(args)
	local := flag.NewFlagSet("local", flag.ExitOnError)
	local.Parse(args)
	var std flag.FlagSet
	std.Parse(nil)
	soft := flag.NewFlagSet("soft", flag.ContinueOnError)
	soft.Parse(args) // want `errcheck: error returned by \(\*flag.FlagSet\).Parse is not checked`
}

// emit writes for render only, which passes a buffer: no finding.
func emit(w io.Writer, s string) {
	w.Write([]byte(s))
}

func render() string {
	var b strings.Builder
	emit(&b, "x")
	return b.String()
}

// leak writes to what Leak was given.
func leak(w io.Writer) {
	w.Write(nil) // want `errcheck: error returned by \(io.Writer\).Write is not checked`
}

// Leak hands its caller's writer down.
func Leak(w io.Writer) string {
	leak(w)
	enc.Dump(w, "y")
	return render()
}

// MustPanic ends with the call it expects to panic (a deferred recover
// catches it): that call's error is not reported; the one before it is.
func MustPanic() {
	defer func() { _ = recover() }()
	os.Chmod("a", 0) // want "errcheck: error returned by os.Chmod is not checked"
	os.Chmod("b", 0)
}

type causeErr struct{ cause error }

func (e *causeErr) Error() string { return "cause" }
func (e *causeErr) Unwrap() error { return e.cause }

// SameCause tests one step of unwrapping by identity: no finding.
func SameCause(e *causeErr, want error) bool {
	return e.Unwrap() == want
}

// parseErr is this package's own error, handed back bare.
type parseErr struct{ at int }

func (e *parseErr) Error() string { return "parse error" }

func parseAt(s string) error {
	if s == "" {
		return &parseErr{}
	}
	return nil
}

// Parsed asserts on its own unexported error type: no finding.
func Parsed(s string) bool {
	_, bad := parseAt(s).(*parseErr)
	return !bad
}
