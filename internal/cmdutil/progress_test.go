package cmdutil

import (
	"strings"
	"testing"
	"time"

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
		p := NewProgressClock(ios, &fakeClock{}) // a ticker that never fires
		p.Update("vet", "running")
		p.Update("vet", "done")
		if got := strings.Contains(errOut.String(), "done "); got != tc.draws {
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
	p := NewProgressClock(ios, &fakeClock{}) // a ticker that never fires
	defer p.Done()
	for _, leg := range []string{"vet", "fmt", "tidy", "race", "escape", "pprof", "errors", "logging", "lab ebpf", "lab wasm", "lab mtls"} {
		p.Update(leg, "running")
	}
	last := errOut.String()[strings.LastIndex(errOut.String(), "\r")+1:]
	if n := termtext.Width(strings.TrimSuffix(last, "\x1b[K")); n >= 80 || !strings.Contains(last, "…") {
		t.Errorf("progress line of %d cells at 80 columns: %q", n, last)
	}
}

// fakeClock is a Clock whose time moves only when the test says and whose
// ticker is a channel the test sends on.
type fakeClock struct {
	t      time.Time
	tick   chan time.Time
	period time.Duration
}

func (c *fakeClock) Now() time.Time { return c.t }

func (c *fakeClock) Tick(d time.Duration) (<-chan time.Time, func()) {
	c.period = d
	return c.tick, func() {}
}

// fire advances the clock by d and delivers one tick; the tick channel is
// unbuffered, so the second send returns only after the first tick was drawn.
func (c *fakeClock) fire(p *Progress, d time.Duration) {
	p.mu.Lock()
	c.t = c.t.Add(d)
	p.mu.Unlock()
	c.tick <- c.t
	c.tick <- c.t
}

// TestProgressTicksBetweenUpdates: with no task reporting, the line is still
// redrawn with the new elapsed time on every tick of a one-second ticker
// (a fake clock: no sleeping, no timing).
func TestProgressTicksBetweenUpdates(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), tick: make(chan time.Time)}
	p := NewProgressClock(ios, clock)
	if clock.period > time.Second || clock.period <= 0 {
		t.Fatalf("ticker period %v, want at most a second", clock.period)
	}
	p.Update("vet", "done: pass")
	p.Update("race", "go test -race")
	clock.fire(p, 4*time.Second)
	clock.fire(p, 3*time.Minute)
	p.Done()
	out := errOut.String()
	for _, want := range []string{"⏳ 0s  done 1/2  race go test -race", "⏳ 4s  done 1/2  race go test -race", "⏳ 3m04s  done 1/2"} {
		if !strings.Contains(out, want+"\x1b[K") && !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q:\n%q", want, out)
		}
	}
	// After Done the ticker goroutine is gone: a send would block forever,
	// so check with a select.
	select {
	case clock.tick <- clock.t:
		t.Error("the ticker is still read after Done")
	default:
	}
}

// TestProgressShowsLegMessages: a running task's message (the race leg's
// packages and tests done) stands beside its name; finished tasks only count.
func TestProgressShowsLegMessages(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	ios.SetWidth(120)
	clock := &fakeClock{tick: make(chan time.Time)}
	p := NewProgressClock(ios, clock)
	p.Update("vet", "loading packages")
	p.Update("escape", "running")
	p.Update("race", "running")
	p.Update("race", "14/40 packages, 212 tests")
	p.Update("fmt", "done: pass")
	last := errOut.String()[strings.LastIndex(errOut.String(), "\r")+1:]
	p.Done()
	// The counting leg first (a cut line keeps it), then what the others do.
	if want := "⏳ 0s  done 1/4  race 14/40 packages, 212 tests · vet loading packages · escape\x1b[K"; last != want {
		t.Errorf("line %q, want %q", last, want)
	}
}
