// Package loadcmd is `gocap load`: constant-rate HTTP load through vegeta's
// library, latency from the intended send time, joined with the target's
// GC pauses, goroutines and heap. The work lives in internal/loadgen.
package loadcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/loadgen"
	"github.com/gocap/gocap/internal/promserve"
	"github.com/gocap/gocap/internal/termtext"
)

// Options of gocap load.
type Options struct {
	IO          *iostreams.IOStreams
	URL         string
	Method      string
	Rate        int
	Duration    time.Duration
	Connections int
	Timeout     time.Duration
	PID         int
	Cmd         []string
	Pprof       string
	Metrics     string
	JSON        bool
	// AfterLoad, when set, is called after the load with the metrics
	// address ("" without --metrics), before the endpoint closes (tests).
	AfterLoad func(metricsAddr string)
}

// NewCmd builds `gocap load`.
func NewCmd(ios *iostreams.IOStreams, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{IO: ios}
	cmd := &cobra.Command{
		Use:   "load URL [--rate N] [--duration D] [--pid P | -- CMD [ARGS...]]",
		Short: "Constant-rate HTTP load (vegeta), latency from the intended send time, joined with the target's GC",
		Long: `Send HTTP requests to URL at a constant rate (an open model: requests go out on
schedule whether or not earlier ones were answered) through vegeta's library,
and measure each latency from the moment the request was due, not from when it
was sent, so a stall that held requests back counts against the server
(coordinated omission, as wrk2 explains). Prints the asked and achieved rates,
errors by kind, p50/p90/p99/p99.9/max and an HdrHistogram-style percentile
distribution. --json prints {"summary": {...}}.

With --pid P (a running process) or -- CMD ARGS (a server gocap starts and
stops), gocap joins the target's runtime to the load: its stop-the-world
pauses during the attack (the eBPF tracer where it runs, else GODEBUG=gctrace=1
when gocap started the target), and, when it serves net/http/pprof (at the
URL's host under /debug/pprof, or --pprof), its goroutine count and in-use heap
before and after, and the heap stacks that grew most (after − before, as
go tool pprof -diff_base shows them).

--metrics ADDR serves the latency histogram (exp2 buckets) at ADDR/metrics
while the load runs.`,
		Example: `  gocap load http://127.0.0.1:8080/ --rate 2000 --duration 10s
  gocap load http://127.0.0.1:8080/api --rate 10000 -d 5s -- ./bin/server -addr :8080
  gocap load http://127.0.0.1:8080/ --pid 4242 --json`,
		RunE: func(c *cobra.Command, args []string) error {
			dash := c.ArgsLenAtDash()
			pos := args
			if dash >= 0 {
				pos, o.Cmd = args[:dash], args[dash:]
				if len(o.Cmd) == 0 {
					return cmdutil.Usagef("nothing after --: give the command that serves URL, e.g. gocap load URL -- ./server")
				}
			}
			if len(pos) != 1 {
				return cmdutil.Usagef("give one URL, e.g. gocap load http://127.0.0.1:8080/ --rate 1000")
			}
			o.URL = pos[0]
			if err := validate(o); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return Run(c.Context(), o)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.Rate, "rate", "r", 1000, "requests per second")
	f.DurationVarP(&o.Duration, "duration", "d", 10*time.Second, "how long to send")
	f.IntVarP(&o.Connections, "connections", "c", 0, "cap on open connections to the target (0: as many as the rate needs)")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "timeout of one request")
	f.StringVarP(&o.Method, "method", "X", "GET", "HTTP method")
	f.IntVar(&o.PID, "pid", 0, "join this running Go process's GC pauses, goroutines and heap")
	f.StringVar(&o.Pprof, "pprof", "", "base URL of the target's net/http/pprof handlers (default: URL's host + /debug/pprof)")
	f.StringVar(&o.Metrics, "metrics", "", "serve the latency histogram for Prometheus at ADDR/metrics (e.g. :9101)")
	f.BoolVar(&o.JSON, "json", false, "print the summary as JSON")
	return cmd
}

func validate(o *Options) error {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cmdutil.Usagef("URL %q: give an http:// or https:// URL with a host, e.g. http://127.0.0.1:8080/", o.URL)
	}
	if o.Rate <= 0 {
		return cmdutil.Usagef("--rate %d: must be ≥ 1 request per second", o.Rate)
	}
	if o.Duration <= 0 {
		return cmdutil.Usagef("--duration %v: must be > 0", o.Duration)
	}
	if o.Connections < 0 {
		return cmdutil.Usagef("--connections %d: must be ≥ 0 (0: no cap)", o.Connections)
	}
	if o.Timeout <= 0 {
		return cmdutil.Usagef("--timeout %v: must be > 0", o.Timeout)
	}
	if o.PID < 0 {
		return cmdutil.Usagef("--pid %d: must be a process id", o.PID)
	}
	if o.PID > 0 && len(o.Cmd) > 0 {
		return cmdutil.Usagef("give --pid or -- CMD, not both")
	}
	if o.PID > 0 {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", o.PID)); err != nil {
			return cmdutil.Usagef("--pid %d: no such process", o.PID)
		}
	}
	if o.Pprof != "" {
		if p, err := url.Parse(o.Pprof); err != nil || (p.Scheme != "http" && p.Scheme != "https") {
			return cmdutil.Usagef("--pprof %q: give the http:// base URL of the pprof handlers, e.g. http://127.0.0.1:6060/debug/pprof", o.Pprof)
		}
	}
	return nil
}

// Summary is gocap load's JSON output.
type Summary struct {
	*loadgen.Result
	Target *loadgen.TargetReport `json:"target,omitempty"`
}

// Run starts or attaches to the target, runs the load and prints the summary.
func Run(ctx context.Context, o *Options) error {
	reg := prometheus.NewRegistry()
	lat := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "gocap_load_latency_seconds", Help: "Latency of gocap load's requests from their intended send time.",
		Buckets: promserve.LatencyBuckets,
	}, []string{"result"})
	pauses := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "gocap_load_target_pause_seconds", Help: "The target's stop-the-world pauses during the load (eBPF tracer).",
		Buckets: promserve.LatencyBuckets,
	}, []string{"reason", "kind"})
	reg.MustRegister(lat, pauses)
	metricsAddr := ""
	if o.Metrics != "" {
		srv, err := promserve.Listen(o.Metrics, reg)
		if err != nil {
			return cmdutil.Usagef("--metrics %s: %v (give a free host:port, e.g. :9101)", o.Metrics, err)
		}
		defer func() { _ = srv.Close() }() // the load's result is already out; a shutdown error is moot
		o.IO.Statusf("metrics at http://%s/metrics\n", srv.Addr)
		metricsAddr = srv.Addr
	}
	var tgt *loadgen.Target
	if o.PID > 0 || len(o.Cmd) > 0 || o.Pprof != "" {
		var err error
		tgt, err = loadgen.StartTarget(ctx, o.URL, loadgen.TargetOptions{
			PID: o.PID, Cmd: o.Cmd, Pprof: o.Pprof,
			Log: func(format string, a ...any) { o.IO.Statusf(format, a...) },
			OnPause: func(p ebpfprobe.Pause) {
				kind := "other"
				if p.GC {
					kind = "gc"
				}
				pauses.WithLabelValues(p.Reason, kind).Observe(p.Total.Seconds())
			},
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return cmdutil.Toolf("load: target: %v", err)
		}
		defer tgt.Close()
		tgt.Before(ctx)
	}
	live := o.IO.IsStdoutTTY() && o.IO.IsStderrTTY() && !o.JSON
	if !o.JSON {
		o.IO.Statusf("loading %s at %d/s for %v... Ctrl-C to stop\n", o.URL, o.Rate, o.Duration)
	}
	ok, bad := lat.WithLabelValues("ok"), lat.WithLabelValues("error")
	res, err := loadgen.Run(ctx, loadgen.Options{
		URL: o.URL, Method: o.Method, Rate: o.Rate, Duration: o.Duration, Connections: o.Connections, Timeout: o.Timeout,
		OnResult: func(l time.Duration, good bool) {
			if good {
				ok.Observe(l.Seconds())
			} else {
				bad.Observe(l.Seconds())
			}
		},
		Progress: func(s loadgen.Snapshot) {
			if !live {
				return
			}
			line := fmt.Sprintf("⏱ %4.1fs  %d sent (%.0f/s)  %d errors  p99 (last 1s) %s", s.Elapsed.Seconds(), s.Requests,
				float64(s.Requests)/s.Elapsed.Seconds(), s.Errors, fmtDur(s.P99))
			o.IO.Statusf("\r%s\x1b[K", termtext.Truncate(line, o.IO.Width()-1))
		},
	})
	if live {
		o.IO.Statusf("\r\x1b[K")
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return cmdutil.Toolf("load: %v", err)
	}
	if o.AfterLoad != nil {
		o.AfterLoad(metricsAddr)
	}
	sum := Summary{Result: res}
	if tgt != nil {
		sum.Target = tgt.After(context.WithoutCancel(ctx))
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"summary": sum})
	}
	out := errwriter.New(o.IO.Out)
	printSummary(out, sum, o.IO.Width())
	return out.Err()
}

func printSummary(out *errwriter.Writer, s Summary, width int) {
	r := s.Result
	out.Printf("%s\n", r.URL)
	out.Printf("  requests  %d in %v (+%v waiting for the last responses)\n", r.Requests, r.Duration.Round(time.Millisecond), r.Wait.Round(time.Millisecond))
	held := "held"
	if r.RateAchieved < 0.95*r.RateAsked {
		held = "NOT held (the generator or this machine fell behind)"
	}
	out.Printf("  rate      asked %.0f/s, achieved %.0f/s: %s; throughput %.0f ok/s\n", r.RateAsked, r.RateAchieved, held, r.Throughput)
	out.Printf("  success   %.2f%%\n", 100*r.Success)
	for _, e := range r.Errors {
		out.Printf("  error     %-22s %7d  e.g. %s\n", e.Kind, e.Count, termtext.Truncate(e.Example, max(20, width-45)))
	}
	l := r.Latency
	out.Printf("  latency   p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (from the intended send time)\n",
		fmtDur(l.P50), fmtDur(l.P90), fmtDur(l.P99), fmtDur(l.P999), fmtDur(l.Max))
	out.Printf("\n  %12s %12s %10s %12s\n", "VALUE", "PERCENTILE", "COUNT", "1/(1-P)")
	for _, h := range r.Hist {
		inv := "inf"
		if h.Percentile < 1 {
			inv = fmt.Sprintf("%.2f", 1/(1-h.Percentile))
		}
		out.Printf("  %12s %12.6f %10d %12s\n", fmtDur(h.Value), h.Percentile, h.Count, inv)
	}
	t := s.Target
	if t == nil {
		return
	}
	out.Printf("\ntarget pid %d\n", t.PID)
	if g := t.GC; g != nil {
		out.Printf("  GC (%s)   %d stop-the-world pauses during the load (%d GC), p50 %s  p99 %s  max %s\n", g.Source, g.Pauses, g.GCPauses, fmtDur(g.P50), fmtDur(g.P99), fmtDur(g.Max))
	}
	if t.GoroutinesBefore > 0 {
		out.Printf("  goroutines  %d before, %d after\n", t.GoroutinesBefore, t.GoroutinesAfter)
	}
	if t.HeapBefore > 0 || t.HeapAfter > 0 {
		out.Printf("  heap in use %s before, %s after (after a GC)\n", human(t.HeapBefore), human(t.HeapAfter))
	}
	if len(t.HeapGrowth) > 0 {
		out.Printf("  heap stacks that grew most:\n")
		for _, g := range t.HeapGrowth {
			out.Printf("    +%s\n", human(g.Bytes))
			for i, fr := range g.Stack {
				if i == 4 {
					break
				}
				out.Printf("        %s\n", fr)
			}
		}
	}
	for _, n := range t.Notes {
		out.Printf("  %s\n", termtext.Wrap(width, "  ", n, 2))
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0fµs", float64(d)/1e3)
}

func human(b int64) string {
	sign := ""
	if b < 0 {
		sign, b = "-", -b
	}
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%s%.1f GiB", sign, float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%s%.1f MiB", sign, float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%s%.1f KiB", sign, float64(b)/(1<<10))
	}
	return fmt.Sprintf("%s%d B", sign, b)
}
