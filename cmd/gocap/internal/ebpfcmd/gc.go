package ebpfcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/promserve"
	"github.com/gocap/gocap/internal/termtext"
)

// GCOptions of gocap ebpf gc.
type GCOptions struct {
	IO       *iostreams.IOStreams
	Exe      string
	PID      int
	Cmd      []string
	Duration time.Duration
	JSON     bool
	Metrics  string // --metrics ADDR
	// Ready is called once the probes are attached (tests); metricsAddr is
	// where --metrics listens ("" without it).
	Ready func(pid int, metricsAddr string)
}

// NewGCCmd builds `gocap ebpf gc`.
func NewGCCmd(ios *iostreams.IOStreams, runF func(context.Context, *GCOptions) error) *cobra.Command {
	o := &GCOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "gc (--exe PATH | --pid P | -- CMD [ARGS...])",
		Short: "A Go program's stop-the-world pauses, from outside (entry-only uprobes)",
		Long: `Watch the stop-the-world pauses of any Go program (Go ≥ 1.22, amd64) without
changing it: entry-only uprobes on runtime.stopTheWorldWithSema and
runtime.startTheWorldWithSema, and on the two calls inside the latter that
record each pause in the runtime's own histogram (/sched/pauses/total/*), so
the lengths are the runtime's own. No uretprobes (they crash Go programs whose
stacks move). Pauses are split by reason: the two GC pauses (sweep and mark
termination) and the others (ReadMemStats, goroutine profiles, traces…).

On a terminal a live line shows the count, p99 and max; at the end a log2
histogram (µs) and p50/p99/max per reason. --json prints one JSON object per
pause, then {"summary": {...}}. --metrics ADDR serves the pauses as a Prometheus
histogram (exp2 buckets, labels reason and kind) at ADDR/metrics while it traces. Go's own target is ≤ 500 µs of stop-the-world
per GC cycle; on a loaded machine the tail is scheduling, not the GC.

--exe traces every process running PATH, --pid one process, and "-- CMD ARGS"
starts the command (stopped until the probes are in place) and traces it
until it exits.`,
		Example: `  gocap ebpf gc -- ./myserver -addr :8080
  gocap ebpf gc --pid 4242 --duration 30s --json`,
		RunE: func(c *cobra.Command, args []string) error {
			if dash := c.ArgsLenAtDash(); dash >= 0 {
				if dash > 0 {
					return cmdutil.Usagef("unexpected argument %q before --", args[0])
				}
				o.Cmd = args
			} else if len(args) > 0 {
				return cmdutil.Usagef("unexpected argument %q: put the command after --, e.g. gocap ebpf gc -- %s", args[0], args[0])
			}
			if err := checkTarget(o.Exe, o.PID, o.Cmd); err != nil {
				return err
			}
			if err := checkDuration("duration", o.Duration); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return RunGC(c.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Exe, "exe", "", "trace every process running this Go executable")
	cmd.Flags().IntVar(&o.PID, "pid", 0, "trace this running Go process")
	cmd.Flags().DurationVarP(&o.Duration, "duration", "d", 0, "stop after this long (default: until Ctrl-C or the command exits)")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "one JSON object per pause, then a summary object")
	cmd.Flags().StringVar(&o.Metrics, "metrics", "", "serve the pause histogram for Prometheus at ADDR/metrics (e.g. :9102)")
	return cmd
}

// checkTarget validates --exe / --pid / -- CMD: exactly one, and it exists.
func checkTarget(exe string, pid int, cmd []string) error {
	set := 0
	for _, b := range []bool{exe != "", pid != 0, len(cmd) > 0} {
		if b {
			set++
		}
	}
	if set != 1 {
		return cmdutil.Usagef("name exactly one target: --exe PATH, --pid P or -- CMD ARGS")
	}
	if pid < 0 {
		return cmdutil.Usagef("--pid %d: must be a process id", pid)
	}
	if pid > 0 {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			return cmdutil.Usagef("--pid %d: no such process", pid)
		}
	}
	if exe != "" {
		if st, err := os.Stat(exe); err != nil || st.IsDir() {
			return cmdutil.Usagef("--exe %s: no such file", exe)
		}
	}
	return nil
}

// RunGC traces until the duration ends, Ctrl-C or the command exits, then
// prints the summary.
func RunGC(ctx context.Context, o *GCOptions) error {
	reg := prometheus.NewRegistry()
	hist := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "gocap_gc_pause_seconds", Help: "Stop-the-world pauses of the traced Go program, by runtime reason and kind (gc, other).",
		Buckets: promserve.LatencyBuckets,
	}, []string{"reason", "kind"})
	reg.MustRegister(hist)
	srv, err := listenMetrics(o.Metrics, reg, o.IO)
	if err != nil {
		return err
	}
	defer func() { _ = srv.Close() }() // the trace is already printed; a shutdown error is moot
	ctx, cancel := withDuration(ctx, o.Duration)
	defer cancel()
	out := errwriter.New(o.IO.Out)
	enc := json.NewEncoder(out)
	var encErr error
	live := !o.JSON && o.IO.IsStdoutTTY() && o.IO.IsStderrTTY()
	var mu sync.Mutex
	var stats ebpfprobe.PauseStats
	var n, gcN int
	var last time.Duration
	stopLive := make(chan struct{})
	var liveDone sync.WaitGroup
	started := time.Now()
	// The target's output and the live line share stderr from two goroutines.
	errOut := &lockedWriter{w: o.IO.ErrOut}
	draw := func() {
		mu.Lock()
		var r ebpfprobe.GCResult
		stats.Summary(&r)
		line := fmt.Sprintf("⏱ %5.1fs  %d pauses (%d GC)  last %s  p50 %s  p99 %s  max %s", time.Since(started).Seconds(), n, gcN, fmtDur(last), fmtDur(r.P50), fmtDur(r.P99), fmtDur(r.Max))
		mu.Unlock()
		errOut.printf("\r%s\x1b[K", termtext.Truncate(line, o.IO.Width()-1))
	}
	res, err := ebpfprobe.TraceGC(ctx, ebpfprobe.GCOptions{
		Exe: o.Exe, PID: o.PID, Cmd: o.Cmd,
		Stdin: o.IO.In, Stdout: errOut, Stderr: errOut,
		Ready: func(pid int) {
			if !o.JSON {
				errOut.printf("tracing stop-the-world pauses... Ctrl-C to stop\n")
			}
			if live {
				liveDone.Add(1)
				go func() {
					defer liveDone.Done()
					t := time.NewTicker(250 * time.Millisecond)
					defer t.Stop()
					for {
						select {
						case <-t.C:
							draw()
						case <-stopLive:
							errOut.printf("\r\x1b[K")
							return
						}
					}
				}()
			}
			if o.Ready != nil {
				addr := ""
				if srv != nil {
					addr = srv.Addr
				}
				o.Ready(pid, addr)
			}
		},
	}, func(p ebpfprobe.Pause) {
		kind := "other"
		if p.GC {
			kind = "gc"
		}
		hist.WithLabelValues(p.Reason, kind).Observe(p.Total.Seconds())
		if o.JSON {
			if err := enc.Encode(p); err != nil && encErr == nil {
				encErr = err
			}
		}
		if live {
			mu.Lock()
			stats.Add(p)
			n++
			if p.GC {
				gcN++
			}
			last = p.Total
			mu.Unlock()
		}
	})
	close(stopLive)
	liveDone.Wait()
	if err != nil {
		if errors.Is(err, ebpfprobe.ErrNoSTWSymbols) {
			return cmdutil.Usagef("ebpf gc: %v", err)
		}
		return mapErr("gc", err)
	}
	if o.JSON {
		if encErr != nil {
			return encErr
		}
		if err := enc.Encode(map[string]any{"summary": res}); err != nil {
			return err
		}
		return out.Err()
	}
	printGCSummary(out, res, o.IO.Width())
	return out.Err()
}

func printGCSummary(out *errwriter.Writer, res *ebpfprobe.GCResult, width int) {
	how := "the runtime's own pause lengths"
	if !res.Exact {
		how = "approximate lengths (no record call sites found: the tail is understated)"
	}
	out.Printf("%s (%s, pid %d) for %v: %s\n", res.Exe, res.GoVersion, res.PID, res.Duration.Round(time.Millisecond), how)
	out.Printf("%s\n\n", termtext.Wrap(width, "", fmt.Sprintf("%s (%d GC, %d other), p50 %s, p99 %s, max %s, %s stopped in all, %d lost",
		plural(res.Pauses, "pause"), res.GCPauses, res.Pauses-res.GCPauses, fmtDur(res.P50), fmtDur(res.P99), fmtDur(res.Max), fmtDur(res.Total), res.Lost), 0))
	slots := make([]uint64, 64)
	copy(slots, res.Hist)
	printLog2Hist(out, "usecs", slots)
	if len(res.ByReason) > 0 {
		names := make([]string, 0, len(res.ByReason))
		for k := range res.ByReason {
			names = append(names, k)
		}
		sort.Slice(names, func(i, j int) bool {
			a, b := res.ByReason[names[i]], res.ByReason[names[j]]
			if a.GC != b.GC {
				return a.GC
			}
			return names[i] < names[j]
		})
		out.Printf("\n%-28s %5s %7s %10s %10s %10s\n", "REASON", "KIND", "COUNT", "P50", "P99", "MAX")
		for _, k := range names {
			r := res.ByReason[k]
			kind := "other"
			if r.GC {
				kind = "GC"
			}
			out.Printf("%-28s %5s %7d %10s %10s %10s\n", k, kind, r.Count, fmtDur(r.P50), fmtDur(r.P99), fmtDur(r.Max))
		}
	}
	if res.ExitCode != 0 {
		out.Printf("\nthe command exited with status %d\n", res.ExitCode)
	}
}

// listenMetrics opens --metrics ADDR before the work starts (nil, nil
// without it), so a bad address is a usage error, not a late failure.
func listenMetrics(addr string, reg *prometheus.Registry, ios *iostreams.IOStreams) (*promserve.Server, error) {
	if addr == "" {
		return nil, nil
	}
	srv, err := promserve.Listen(addr, reg)
	if err != nil {
		return nil, cmdutil.Usagef("--metrics %s: %v (give a free host:port, e.g. :9102)", addr, err)
	}
	ios.Statusf("metrics at http://%s/metrics\n", srv.Addr)
	return srv, nil
}

// fmtDur prints a duration in µs below 10 ms and in ms above.
func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0fµs", float64(d)/1e3)
}

// lockedWriter serialises writes to one stream from several goroutines (the
// traced program's output copier and the live line).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// printf writes a status line; like IOStreams.Statusf it drops a failed write.
func (l *lockedWriter) printf(format string, a ...any) { _, _ = fmt.Fprintf(l, format, a...) }
