package cmdutil

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/termtext"
)

// eraseLine is the ANSI "erase to the end of the line" (EL) sequence.
const eraseLine = "\x1b[K"

// Progress prints a one-line status on a terminal's stderr and nothing
// otherwise. The line is redrawn when a task reports and, between reports,
// once a second, so the elapsed time keeps moving while a long leg (the
// race leg's go test) works: a still line looks hung.
//
//	⏳ 12s  done 5/8  race 14/40 packages, 212 tests · pprof benchmarks 1/2
type Progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	width int // a line that wrapped could not be redrawn in place
	now   func() time.Time
	start time.Time
	state map[string]string
	order []string
	stop  chan struct{}
	wg    sync.WaitGroup
}

// Clock is what Progress reads time from: the real clock, or a fake one in
// tests. Tick returns a channel that delivers a value every d, and a stop.
type Clock interface {
	Now() time.Time
	Tick(d time.Duration) (<-chan time.Time, func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Tick(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// NewProgress returns a progress printer on the real clock. It draws only
// when both Out and ErrOut are terminals: with the output piped (gocap check
// | less) or redirected, a line redrawn with \r would only garble it.
func NewProgress(io *iostreams.IOStreams) *Progress { return NewProgressClock(io, realClock{}) }

// NewProgressClock is NewProgress on the given clock.
func NewProgressClock(io *iostreams.IOStreams, c Clock) *Progress {
	p := &Progress{w: io.ErrOut, on: io.IsStdoutTTY() && io.IsStderrTTY(), width: io.Width(),
		now: c.Now, start: c.Now(), state: map[string]string{}}
	if p.on {
		tick, stop := c.Tick(time.Second)
		p.stop = make(chan struct{})
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer stop()
			for {
				select {
				case <-tick:
					p.mu.Lock()
					if p.on && len(p.order) > 0 {
						p.draw()
					}
					p.mu.Unlock()
				case <-p.stop:
					return
				}
			}
		}()
	}
	return p
}

// Update records a status for a named task and redraws the line. A message
// starting with "done" marks the task finished; "running" (or nothing) says
// only that it runs; any other message (race: "14/40 packages, 212 tests")
// is shown beside the task's name.
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
	p.draw()
}

// draw writes the line; p.mu is held.
func (p *Progress) draw() {
	// Running tasks that count their way to the end ("14/40 packages")
	// come first, so a cut line keeps them; then those saying what they do,
	// then the bare names.
	var counting, doing, bare []string
	done := 0
	for _, t := range p.order {
		msg := p.state[t]
		switch {
		case strings.HasPrefix(msg, "done"):
			done++
		case msg == "" || msg == "running":
			bare = append(bare, t)
		case countRE.MatchString(msg):
			counting = append(counting, t+" "+msg)
		default:
			doing = append(doing, t+" "+msg)
		}
	}
	running := append(append(counting, doing...), bare...)
	line := "⏳ " + elapsed(p.now().Sub(p.start)) + "  done " + strconv.Itoa(done) + "/" + strconv.Itoa(len(p.order))
	if len(running) > 0 {
		line += "  " + strings.Join(running, " · ")
	}
	// The progress line is decoration on a terminal: a failed write must not
	// fail the run. \x1b[K erases the rest of the line: what an earlier,
	// longer line left and the ^C the terminal echoed.
	_, _ = io.WriteString(p.w, "\r"+termtext.Truncate(line, p.width-1)+eraseLine)
}

// countRE finds a count of the "done of total" kind: 14/40.
var countRE = regexp.MustCompile(`\b\d+/\d+\b`)

// elapsed is whole seconds under a minute (7s), then minutes and seconds
// (6m05s): the line ticks once a second, tenths would only flicker.
func elapsed(d time.Duration) string {
	s := int(d / time.Second)
	if s < 60 {
		return strconv.Itoa(s) + "s"
	}
	sec := strconv.Itoa(s % 60)
	if len(sec) == 1 {
		sec = "0" + sec
	}
	return strconv.Itoa(s/60) + "m" + sec + "s"
}

// Done clears the progress line and stops the ticking; later updates (a
// leg that ends after an interrupt) draw nothing.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	if !p.on {
		p.mu.Unlock()
		return
	}
	p.on = false
	_, _ = io.WriteString(p.w, "\r"+eraseLine) // decoration, as in draw
	p.mu.Unlock()
	close(p.stop)
	p.wg.Wait()
}
