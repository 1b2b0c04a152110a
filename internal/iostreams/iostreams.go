// Package iostreams carries a command's input, output and error streams and
// whether each is a terminal, so commands are testable with buffers.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams is what a command reads from and writes to. Data goes to Out,
// progress and status to ErrOut; decorations only when the stream is a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	noColor               bool
	width                 int
}

// System returns the process's streams.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.inTTY = term.IsTerminal(int(os.Stdin.Fd()))
	s.outTTY = term.IsTerminal(int(os.Stdout.Fd()))
	s.errTTY = term.IsTerminal(int(os.Stderr.Fd()))
	_, s.noColor = os.LookupEnv("NO_COLOR")
	if os.Getenv("TERM") == "dumb" {
		s.noColor = true
	}
	if s.outTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.width = w
		}
	}
	if s.width == 0 {
		if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil {
			s.width = c
		}
	}
	return s
}

// Test returns streams backed by buffers: stdin, stdout, stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, noColor: true}, in, out, errOut
}

// IsStdinTTY reports whether In is a terminal: a read waits for the person
// at the keyboard.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// SetStdinTTY sets whether In counts as a terminal (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.inTTY = v }

// IsStdoutTTY reports whether Out is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether ErrOut is a terminal (progress is shown only then).
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// SetStdoutTTY and SetStderrTTY let tests pretend to be on a terminal.
func (s *IOStreams) SetStdoutTTY(v bool) { s.outTTY = v }

// SetStderrTTY sets whether ErrOut counts as a terminal.
func (s *IOStreams) SetStderrTTY(v bool) { s.errTTY = v }

// SetColor forces colour on or off.
func (s *IOStreams) SetColor(on bool) { s.noColor = !on }

// ColorEnabled reports whether Out may carry colour: a terminal and no NO_COLOR.
func (s *IOStreams) ColorEnabled() bool { return s.outTTY && !s.noColor }

// Width is the terminal width capped at 120, or 80 when unknown.
func (s *IOStreams) Width() int {
	w := s.width
	if w <= 0 {
		return 80
	}
	if w > 120 {
		return 120
	}
	return w
}

// Statusf writes a status line ("tracing… Ctrl-C to stop") to ErrOut. Status
// is a courtesy to the person watching: the command's data goes to Out and its
// outcome is the exit code, so when stderr is gone (a closed pipe, a full disk)
// the status is dropped deliberately rather than failing the command.
func (s *IOStreams) Statusf(format string, a ...any) {
	_, _ = fmt.Fprintf(s.ErrOut, format, a...)
}

// SetWidth sets the terminal width (tests); Width still caps it at 120.
func (s *IOStreams) SetWidth(w int) { s.width = w }
