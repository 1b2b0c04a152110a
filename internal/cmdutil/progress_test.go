package cmdutil

import (
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/termtext"
)

// TestProgressOnlyOnTerminals: the progress line is drawn only when stdout
// and stderr are both terminals, is cleared by Done, and stays silent after.
func TestProgressOnlyOnTerminals(t *testing.T) {
	for _, tc := range []struct {
		out, err bool
		draws    bool
	}{
		{true, true, true},
		{false, true, false}, // gocap check | less
		{true, false, false}, // gocap check 2>log
		{false, false, false},
	} {
		ios, _, _, errOut := iostreams.Test()
		ios.SetStdoutTTY(tc.out)
		ios.SetStderrTTY(tc.err)
		p := NewProgress(ios)
		p.Update("vet", "running")
		p.Update("vet", "done")
		if got := strings.Contains(errOut.String(), "running:"); got != tc.draws {
			t.Errorf("stdout tty %v, stderr tty %v: drew %v, want %v (%q)", tc.out, tc.err, got, tc.draws, errOut.String())
		}
		p.Done()
		n := errOut.Len()
		p.Update("race", "running")
		if errOut.Len() != n {
			t.Errorf("stdout tty %v, stderr tty %v: Update after Done drew %q", tc.out, tc.err, errOut.String()[n:])
		}
		if tc.draws && !strings.HasSuffix(errOut.String(), "\r\x1b[K") {
			t.Errorf("Done did not clear the line: %q", errOut.String())
		}
	}
}

// TestProgressFitsTheTerminal: the line is cut to the terminal (80 columns
// for test streams), since a wrapped line cannot be redrawn in place.
func TestProgressFitsTheTerminal(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	p := NewProgress(ios)
	for _, leg := range []string{"vet", "fmt", "tidy", "race", "escape", "pprof", "errors", "logging", "lab ebpf", "lab wasm", "lab mtls"} {
		p.Update(leg, "running")
	}
	last := errOut.String()[strings.LastIndex(errOut.String(), "\r")+1:]
	if n := termtext.Width(strings.TrimSuffix(last, "\x1b[K")); n >= 80 || !strings.Contains(last, "…") {
		t.Errorf("progress line of %d cells at 80 columns: %q", n, last)
	}
}
