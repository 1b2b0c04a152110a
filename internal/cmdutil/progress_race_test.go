package cmdutil_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
)

type stillClock struct{}

func (stillClock) Now() time.Time                                { return time.Time{} }
func (stillClock) Tick(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }

// TestProgressShowsRaceCounts: the message the race leg sends from its
// test2json stream (checks.RaceProgress) is drawn beside the leg's name.
func TestProgressShowsRaceCounts(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	ios.SetWidth(120)
	p := cmdutil.NewProgressClock(ios, stillClock{})
	defer p.Done()
	p.Update("vet", "done: pass")
	p.Update("race", checks.RaceProgress(14, 40, 212))
	last := errOut.String()[strings.LastIndex(errOut.String(), "\r")+1:]
	if !strings.Contains(last, "done 1/2  race 14/40 packages, 212 tests") {
		t.Errorf("progress line %q", last)
	}
}
