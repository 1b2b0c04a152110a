// gcprog collects garbage with a known pattern for the stop-the-world
// tracer's tests, benchmark and lab: -gcs forced collections, -memstats
// runtime.ReadMemStats calls (an "other" pause each) and -alloc MiB of
// short-lived garbage (GCs the pacer starts), then it prints, as one JSON
// line, its own count and median of the pauses from runtime/metrics, for
// the test to compare with what the tracer saw. With -loop it repeats
// until killed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"time"
)

var sink [][]byte

type pauses struct {
	Count int     `json:"count"`
	P50Lo float64 `json:"p50_lo_ns"` // the median's histogram bucket
	P50Hi float64 `json:"p50_hi_ns"`
}

type report struct {
	GC       pauses `json:"gc"`
	Other    pauses `json:"other"`
	NumGC    uint32 `json:"num_gc"`
	Duration int64  `json:"duration_ns"`
}

func main() {
	gcs := flag.Int("gcs", 50, "forced collections")
	memstats := flag.Int("memstats", 10, "ReadMemStats calls")
	alloc := flag.Int("alloc", 64, "MiB of garbage")
	loop := flag.Duration("loop", 0, "repeat for this long")
	flag.Parse()
	start := time.Now()
	for {
		work(*gcs, *memstats, *alloc)
		if time.Since(start) >= *loop {
			break
		}
	}
	samples := []metrics.Sample{{Name: "/sched/pauses/total/gc:seconds"}, {Name: "/sched/pauses/total/other:seconds"}}
	metrics.Read(samples)
	// NumGC without a stop-the-world: /gc/cycles/total:gc-cycles.
	c := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(c)
	r := report{GC: summarize(samples[0].Value.Float64Histogram()), Other: summarize(samples[1].Value.Float64Histogram()),
		NumGC: uint32(c[0].Value.Uint64()), Duration: int64(time.Since(start))}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func work(gcs, memstats, alloc int) {
	var ms runtime.MemStats
	for i := 0; i < gcs; i++ {
		runtime.GC()
		if i < memstats {
			runtime.ReadMemStats(&ms)
		}
	}
	for i := 0; i < alloc*16; i++ {
		sink = append(sink[:0], make([]byte, 64<<10))
	}
}

func summarize(h *metrics.Float64Histogram) pauses {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	p := pauses{Count: int(n)}
	if n == 0 {
		return p
	}
	var acc uint64
	for i, c := range h.Counts {
		acc += c
		if acc*2 >= n {
			p.P50Lo, p.P50Hi = h.Buckets[i]*1e9, h.Buckets[i+1]*1e9
			if math.IsInf(p.P50Hi, 1) {
				p.P50Hi = p.P50Lo
			}
			break
		}
	}
	return p
}
