package ebpfcmd

import (
	"fmt"
	"math/bits"
	"strings"
	"time"

	"github.com/gocap/gocap/internal/errwriter"
)

// log2Slot is bcc's bucket for v: floor(log2(v)), 0 for 0 and 1, so slot
// i covers [2^i, 2^(i+1) - 1] and slot 0 covers [0, 1].
func log2Slot(v uint64) int {
	if v == 0 {
		return 0
	}
	return bits.Len64(v) - 1
}

// slotRange is the [low, high] of a bcc slot.
func slotRange(i int) (uint64, uint64) {
	low := uint64(1) << i
	high := (uint64(1) << (i + 1)) - 1
	if low == high {
		low = 0
	}
	return low, high
}

// printLog2Hist prints counts (slot layout of log2Slot) the way bcc's
// print_log2_hist does: "low -> high : count |****|" with 40 stars.
// A write error is kept in w for the caller to check.
func printLog2Hist(w *errwriter.Writer, unit string, slots []uint64) {
	last := -1
	var max uint64
	for i, c := range slots {
		if c > 0 {
			last = i
		}
		if c > max {
			max = c
		}
	}
	if last < 0 {
		w.Printf("(no %s recorded)\n", unit)
		return
	}
	const starsMax = 40
	width := 10
	if last > 32 {
		width = 20
	}
	w.Printf("%*s%-*s : count     distribution\n", width, "", width+4, unit)
	for i := 0; i <= last; i++ {
		low, high := slotRange(i)
		n := 0
		if max > 0 {
			n = int(slots[i] * starsMax / max)
		}
		stars := strings.Repeat("*", n) + strings.Repeat(" ", starsMax-n)
		w.Printf("%*d -> %-*d : %-8d |%s|\n", width, low, width, high, slots[i], stars)
	}
}

// heatPoint is one observation for the heatmap.
type heatPoint struct {
	at    time.Time
	value uint64 // in the y unit (µs)
}

// shades from empty to full.
var shades = []rune{' ', '░', '▒', '▓', '█'}

// printHeatmap draws time on x, log2 latency buckets on y (largest at the
// top) and a shade for the count, after Brendan Gregg's latency heatmaps.
func printHeatmap(w *errwriter.Writer, unit string, pts []heatPoint, width int) {
	if len(pts) == 0 {
		return
	}
	start, end := pts[0].at, pts[0].at
	lo, hi := log2Slot(pts[0].value), log2Slot(pts[0].value)
	for _, p := range pts {
		if p.at.Before(start) {
			start = p.at
		}
		if p.at.After(end) {
			end = p.at
		}
		s := log2Slot(p.value)
		lo, hi = min(lo, s), max(hi, s)
	}
	const label = 12
	cols := width - label - 3
	if cols < 10 {
		cols = 10
	}
	if cols > 100 {
		cols = 100
	}
	span := end.Sub(start)
	if span <= 0 {
		span = time.Millisecond
	}
	rows := hi - lo + 1
	grid := make([][]int, rows)
	for i := range grid {
		grid[i] = make([]int, cols)
	}
	maxc := 0
	for _, p := range pts {
		x := int(float64(p.at.Sub(start)) / float64(span) * float64(cols-1))
		y := log2Slot(p.value) - lo
		grid[y][x]++
		maxc = max(maxc, grid[y][x])
	}
	w.Printf("%*s  heatmap: %s buckets (y) over %v (x), shade = count (max %d)\n", label, "", unit, span.Round(time.Millisecond), maxc)
	for r := rows - 1; r >= 0; r-- {
		low, _ := slotRange(r + lo)
		var sb strings.Builder
		for _, c := range grid[r] {
			idx := 0
			if c > 0 {
				idx = 1 + (c-1)*(len(shades)-1)/maxc
				if idx >= len(shades) {
					idx = len(shades) - 1
				}
			}
			sb.WriteRune(shades[idx])
		}
		w.Printf("%*s |%s|\n", label, fmt.Sprintf("≥%d", low), sb.String())
	}
	w.Printf("%*s  %s%*s\n", label, "", start.Format("15:04:05.000"), cols-12, end.Format("15:04:05.000"))
}
