package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestRunHoldsRateWithDelay: 2000 requests/s for 1.5 s against a local
// server that holds every 50th request (2%) for 50 ms. The run sends the
// asked requests, and the delay shows in the tail (p99, max) but not the
// median. The machine gocap is developed on is 2 cores shared by a team: a
// starved attempt (vegeta drops what it could not send in time) is retried,
// up to three, and every attempt is logged. Holding the rate is judged only
// in attempts during which other processes used under a quarter of the
// CPUs (/proc/stat minus this process's own CPU time), as gocap's gc leg
// judges a p99: an attempt that held passes however busy the machine was,
// and when none held and none was quiet the rate is not judged and the test
// says so (skip), the latency assertions still having run.
func TestRunHoldsRateWithDelay(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%50 == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		_, _ = w.Write([]byte("ok")) // a failed write shows as a client error
	}))
	defer srv.Close()
	held, judged := false, 0
	var shares []string
	for attempt := 1; attempt <= 3 && !held; attempt++ {
		var seen, ok atomic.Int64
		m0 := sampleCPU(t)
		res, err := Run(context.Background(), Options{URL: srv.URL, Rate: 2000, Duration: 1500 * time.Millisecond,
			OnResult: func(_ time.Duration, good bool) {
				seen.Add(1)
				if good {
					ok.Add(1)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("attempt %d: requests %d, achieved %.0f/s, p50 %v p90 %v p99 %v p99.9 %v max %v (vegeta's own max %v)", attempt, res.Requests, res.RateAchieved,
			res.Latency.P50, res.Latency.P90, res.Latency.P99, res.Latency.P999, res.Latency.Max, res.Latency.MaxOf)
		others := sampleCPU(t).othersSince(m0)
		shares = append(shares, fmt.Sprintf("%.0f%%", 100*others))
		if others < 0.25 {
			judged++
		}
		held = res.Requests >= 2850 && res.RateAchieved >= 1900 // 5%
		if res.Success != 1 || len(res.Errors) != 0 || res.StatusCodes["200"] != int(res.Requests) {
			t.Errorf("success %.3f, errors %+v, codes %v", res.Success, res.Errors, res.StatusCodes)
		}
		if res.Latency.Max < 50*time.Millisecond || res.Latency.P99 < 50*time.Millisecond {
			t.Errorf("p99 %v max %v: the injected 50 ms delay (2%% of requests) is missing", res.Latency.P99, res.Latency.Max)
		}
		if held && res.Latency.P50 >= 50*time.Millisecond {
			t.Errorf("p50 %v: only 2%% of requests were delayed", res.Latency.P50)
		}
		if seen.Load() != int64(res.Requests) || ok.Load() != seen.Load() {
			t.Errorf("OnResult saw %d (%d ok) of %d", seen.Load(), ok.Load(), res.Requests)
		}
		h := res.Hist
		if len(h) < 8 || h[0].Percentile != 0 || h[1].Percentile != 0.5 || h[len(h)-1].Percentile != 1 || h[len(h)-1].Value != res.Latency.Max {
			t.Errorf("histogram %+v", h)
		}
		for i := 1; i < len(h); i++ {
			if h[i].Value < h[i-1].Value || h[i].Count < h[i-1].Count {
				t.Errorf("histogram not monotone at %d: %+v", i, h)
			}
		}
	}
	switch {
	case held:
	case judged > 0:
		t.Errorf("no quiet attempt held 2000 requests/s within 5%% (see the log)")
	default:
		t.Skipf("rate not judged: other processes used %s of the CPUs during the attempts (the delay assertions ran)", strings.Join(shares, ", "))
	}
}

// cpuSample is the machine's busy and total CPU time and this process's own.
type cpuSample struct {
	busy, total uint64 // jiffies, /proc/stat
	own         time.Duration
	at          time.Time
}

func sampleCPU(t *testing.T) cpuSample {
	t.Helper()
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var s cpuSample
	for i, f := range strings.Fields(line)[1:] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		s.total += v
		if i != 3 && i != 4 { // idle, iowait
			s.busy += v
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	s.own = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	s.at = time.Now()
	return s
}

// othersSince is the share of the machine's CPUs that other processes used
// between s0 and s.
func (s cpuSample) othersSince(s0 cpuSample) float64 {
	wall := s.at.Sub(s0.at).Seconds() * float64(runtime.NumCPU())
	if wall <= 0 || s.total <= s0.total {
		return 1
	}
	machine := float64(s.busy-s0.busy) / float64(s.total-s0.total) * wall
	return max(0, (machine-(s.own-s0.own).Seconds())/wall)
}

// TestRunErrorsByKind: HTTP errors and refused connections are counted by kind.
func TestRunErrorsByKind(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	res, err := Run(context.Background(), Options{URL: srv.URL, Rate: 200, Duration: 200 * time.Millisecond})
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.Success != 0 || len(res.Errors) != 1 || res.Errors[0].Kind != "http 503" || res.Errors[0].Count != int(res.Requests) {
		t.Errorf("errors %+v success %v", res.Errors, res.Success)
	}
	res, err = Run(context.Background(), Options{URL: srv.URL, Rate: 100, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Kind != "connection refused" {
		t.Errorf("errors %+v", res.Errors)
	}
}

func TestValidate(t *testing.T) {
	for _, o := range []Options{
		{URL: "http://x", Rate: 0, Duration: time.Second},
		{URL: "http://x", Rate: 1, Duration: 0},
		{URL: "http://x", Rate: 1, Duration: time.Second, Connections: -1},
		{URL: "ftp://x", Rate: 1, Duration: time.Second},
	} {
		if err := o.Validate(); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
