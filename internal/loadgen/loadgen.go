// Package loadgen runs gocap load's constant-rate (open-model) HTTP load
// through vegeta's library (github.com/tsenart/vegeta/v12/lib) and measures
// latency from each request's intended send time, as wrk2 does, so a server
// that stalls is not excused by the requests the stall kept from being sent
// (coordinated omission).
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Options of one load run.
type Options struct {
	URL    string
	Method string // default GET
	Body   []byte
	Header http.Header
	// Rate is the asked rate in requests per second (> 0).
	Rate int
	// Duration of the attack (> 0).
	Duration time.Duration
	// Connections caps the open connections to the target (0: no cap).
	Connections int
	// Timeout of one request (0: 30 s, vegeta's default).
	Timeout time.Duration
	// OnResult, when set, is called for every response, from one goroutine,
	// with its latency from the intended send time.
	OnResult func(latency time.Duration, ok bool)
	// Progress, when set, is called about every 250 ms from the same goroutine.
	Progress func(Snapshot)
}

// Snapshot is the state of a run in progress.
type Snapshot struct {
	Elapsed  time.Duration
	Requests uint64
	Errors   uint64
	P99      time.Duration // of the last second's responses
}

// Latency percentiles, from the intended send time.
type Latency struct {
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	P999  time.Duration `json:"p99_9_ns"`
	Max   time.Duration `json:"max_ns"`
	MaxOf time.Duration `json:"max_service_ns"` // the largest latency vegeta itself measured (from the actual send)
}

// ErrorKind counts one kind of failure.
type ErrorKind struct {
	Kind    string `json:"kind"`
	Count   int    `json:"count"`
	Example string `json:"example"`
}

// HistRow is one row of an HdrHistogram-style percentile distribution.
type HistRow struct {
	Percentile float64       `json:"percentile"`
	Value      time.Duration `json:"value_ns"`
	Count      int           `json:"count"` // responses at or below Value
}

// Result of a run.
type Result struct {
	URL          string         `json:"url"`
	Requests     uint64         `json:"requests"`
	RateAsked    float64        `json:"rate_asked"`
	RateAchieved float64        `json:"rate_achieved"` // requests sent per second
	Throughput   float64        `json:"throughput"`    // successful responses per second
	Success      float64        `json:"success"`       // share of responses without error, 0–1
	Duration     time.Duration  `json:"duration_ns"`
	Wait         time.Duration  `json:"wait_ns"` // after the last send, waiting for the last response
	Latency      Latency        `json:"latency"`
	StatusCodes  map[string]int `json:"status_codes"`
	Errors       []ErrorKind    `json:"errors"`
	Hist         []HistRow      `json:"histogram"`
}

// Validate checks o before any work.
func (o Options) Validate() error {
	switch {
	case o.Rate <= 0:
		return fmt.Errorf("rate %d: must be ≥ 1 request per second", o.Rate)
	case o.Duration <= 0:
		return fmt.Errorf("duration %v: must be > 0", o.Duration)
	case o.Connections < 0:
		return fmt.Errorf("connections %d: must be ≥ 0 (0: no cap)", o.Connections)
	case !strings.HasPrefix(o.URL, "http://") && !strings.HasPrefix(o.URL, "https://"):
		return fmt.Errorf("URL %q: must start with http:// or https://", o.URL)
	}
	return nil
}

// Run attacks o.URL at o.Rate for o.Duration (or until ctx ends) and
// returns what it measured.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	method := o.Method
	if method == "" {
		method = http.MethodGet
	}
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: method, URL: o.URL, Body: o.Body, Header: o.Header})
	opts := []func(*vegeta.Attacker){vegeta.KeepAlive(true)}
	if o.Connections > 0 {
		opts = append(opts, vegeta.Connections(o.Connections), vegeta.MaxConnections(o.Connections))
	}
	if o.Timeout > 0 {
		opts = append(opts, vegeta.Timeout(o.Timeout))
	}
	atk := vegeta.NewAttacker(opts...)
	pacer := vegeta.ConstantPacer{Freq: o.Rate, Per: time.Second}
	// vegeta's ConstantPacer sends hit n (0-based) at began + (n+1)·interval.
	interval := time.Duration(int64(time.Second) / int64(o.Rate))
	began := time.Now()
	results := atk.Attack(tr, pacer, o.Duration, "gocap")
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-stopped:
		}
	}()
	defer close(stopped)

	var m vegeta.Metrics
	lat := make([]time.Duration, 0, min(uint64(o.Rate)*uint64(o.Duration/time.Second+1), 1<<24))
	kinds := map[string]*ErrorKind{}
	var window []time.Duration
	var snap Snapshot
	nextProgress := began.Add(250 * time.Millisecond)
	windowStart := began
	for r := range results {
		m.Add(r)
		intended := began.Add(time.Duration(r.Seq+1) * interval)
		l := r.End().Sub(intended)
		if l < r.Latency {
			l = r.Latency // sent a little before its tick: never below what was measured
		}
		lat = append(lat, l)
		ok := r.Error == ""
		if !ok {
			k := errorKind(r)
			e := kinds[k]
			if e == nil {
				e = &ErrorKind{Kind: k, Example: r.Error}
				kinds[k] = e
			}
			e.Count++
			snap.Errors++
		}
		if o.OnResult != nil {
			o.OnResult(l, ok)
		}
		snap.Requests++
		window = append(window, l)
		if o.Progress != nil {
			if now := time.Now(); now.After(nextProgress) {
				snap.Elapsed = now.Sub(began)
				snap.P99 = quantile(window, 0.99)
				o.Progress(snap)
				nextProgress = now.Add(250 * time.Millisecond)
				if now.Sub(windowStart) > time.Second {
					window, windowStart = window[:0], now
				}
			}
		}
	}
	m.Close()
	if m.Requests == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("no request was sent")
	}
	res := &Result{
		URL: o.URL, Requests: m.Requests, RateAsked: float64(o.Rate), RateAchieved: m.Rate,
		Throughput: m.Throughput, Success: m.Success, Duration: m.Duration, Wait: m.Wait,
		StatusCodes: m.StatusCodes, Errors: []ErrorKind{},
	}
	slices.Sort(lat)
	var sum float64
	for _, l := range lat {
		sum += float64(l)
	}
	res.Latency = Latency{
		Mean: time.Duration(sum / float64(len(lat))),
		P50:  sortedQ(lat, 0.5), P90: sortedQ(lat, 0.9), P99: sortedQ(lat, 0.99), P999: sortedQ(lat, 0.999),
		Max: lat[len(lat)-1], MaxOf: m.Latencies.Max,
	}
	res.Hist = hdrRows(lat)
	for _, e := range kinds {
		res.Errors = append(res.Errors, *e)
	}
	sort.Slice(res.Errors, func(i, j int) bool {
		if res.Errors[i].Count != res.Errors[j].Count {
			return res.Errors[i].Count > res.Errors[j].Count
		}
		return res.Errors[i].Kind < res.Errors[j].Kind
	})
	return res, nil
}

// errorKind groups a failed result: an HTTP status, a timeout, a refused or
// reset connection, a closed connection, too many open files, else the text.
func errorKind(r *vegeta.Result) string {
	e := r.Error
	switch {
	case r.Code != 0:
		return "http " + strconv.Itoa(int(r.Code))
	case strings.Contains(e, "Client.Timeout") || strings.Contains(e, "deadline exceeded") || strings.Contains(e, "i/o timeout"):
		return "timeout"
	case strings.Contains(e, "connection refused"):
		return "connection refused"
	case strings.Contains(e, "connection reset"):
		return "connection reset"
	case strings.Contains(e, "too many open files"):
		return "too many open files"
	case strings.Contains(e, "EOF"):
		return "connection closed (EOF)"
	case strings.Contains(e, "no such host"):
		return "no such host"
	}
	if i := strings.LastIndex(e, ": "); i >= 0 {
		return e[i+2:]
	}
	return e
}

// sortedQ is the nearest-rank q-quantile of sorted values.
func sortedQ(s []time.Duration, q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func quantile(s []time.Duration, q float64) time.Duration {
	c := slices.Clone(s)
	slices.Sort(c)
	return sortedQ(c, q)
}

// hdrRows is HdrHistogram's percentile distribution: rows at 0, 50, 75,
// 87.5, 93.75 … % (each halving what is left) up to the last value.
func hdrRows(sorted []time.Duration) []HistRow {
	var rows []HistRow
	n := len(sorted)
	for k := 0; ; k++ {
		p := 1 - math.Pow(0.5, float64(k)) // 0, .5, .75, …
		if k > 0 && 1/(1-p) > float64(n) {
			break
		}
		i := max(0, int(math.Ceil(p*float64(n)))-1)
		rows = append(rows, HistRow{Percentile: p, Value: sorted[i], Count: i + 1})
	}
	return append(rows, HistRow{Percentile: 1, Value: sorted[n-1], Count: n})
}
