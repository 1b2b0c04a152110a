package ebpfcmd

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/termtext"
)

// TestTCPLayoutFitsTheTerminal: on a terminal of 80, 100 or 120 columns no
// line of the connection table is wider than the terminal and both
// endpoints are shown; piped, a row stays one line (for grep).
func TestTCPLayoutFitsTheTerminal(t *testing.T) {
	c := ebpfprobe.Conn{Time: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC), PID: 17466, Comm: "curl", Active: true,
		Local: netip.MustParseAddrPort("127.0.0.1:33904"), Remote: netip.MustParseAddrPort("127.0.0.1:8765"),
		Latency: 76 * time.Microsecond, Lifespan: 4617 * time.Microsecond, RxBytes: 18241, TxBytes: 80}
	for _, tc := range []struct {
		width    int
		tty      bool
		rowLines int
	}{
		{80, true, 2}, {100, true, 2}, {120, true, 1}, {200, true, 1}, {80, false, 1},
	} {
		l := newTCPLayout(tc.width, tc.tty)
		row := l.row(c)
		if n := strings.Count(row, "\n"); n != tc.rowLines {
			t.Errorf("width %d tty %v: a row takes %d lines, want %d:\n%s", tc.width, tc.tty, n, tc.rowLines, row)
		}
		for _, want := range []string{"127.0.0.1:33904", "127.0.0.1:8765", "curl", "17466", "0.076", "4.617", "18241"} {
			if !strings.Contains(row, want) {
				t.Errorf("width %d tty %v: row lacks %q:\n%s", tc.width, tc.tty, want, row)
			}
		}
		if !tc.tty {
			continue
		}
		for _, line := range strings.Split(strings.TrimSuffix(l.header()+row, "\n"), "\n") {
			if n := termtext.Width(line); n > tc.width {
				t.Errorf("width %d: line of %d cells: %q", tc.width, n, line)
			}
		}
	}
}

// fitsWidth fails the test for every line of out wider than width cells.
func fitsWidth(t *testing.T, what, out string, width int) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if n := termtext.Width(l); n > width {
			t.Errorf("%s: line of %d cells, wider than %d: %q", what, n, width, l)
		}
	}
}
