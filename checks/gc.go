package checks

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/reports"
)

// GC measures the garbage collector's stop-the-world pauses per benchmark.
var GC = &Check{
	ID:   "gc",
	Name: "GC stop-the-world per benchmark",
	Doc: `GC cycles and stop-the-world pauses per benchmark

For each package with benchmarks, builds the test binary (go test -c) and
runs its benchmarks once (-test.bench . -test.benchtime T -test.v) with
GODEBUG=gctrace=1 added to the environment: no change to the module's code.
The runtime prints one line per GC cycle with the clock time of its two
stop-the-world phases (sweep termination, mark termination); the binary's
stdout and stderr share one pipe, so each line falls after the name of the
benchmark that was running (-test.v prints it before the benchmark starts).
Per benchmark: GC cycles (those the testing package forces between runs are
counted apart), pauses, p50/p99/max.

Rules: "gc-pause" (error) — a single pause over 50 ms: every goroutine
stood still that long (typically a goroutine that cannot be preempted — a
loop in a //go:nosplit or assembly function — holding up the stop). When
the machine was busy (below) a stop that long can be the scheduler's, so
the benchmark is run again alone, twice, and the error stands only when
the pause comes back both times; otherwise the summary states it.
"gc-pause-p99" (warning) — the benchmark's p99 pause is over Go's 500 µs
stop-the-world target, reported only when the machine was quiet during the
run: the CPU time every other process used (from /proc/stat, minus the
benchmark binary's own user+system time) was under a quarter of the
machine's CPUs. On a busy machine the tail is the scheduler's (a stopping P
waits for a CPU), not the code's, so the p99 is only stated in the summary.
gocap check runs its legs at once: for a judged p99 run --checks gc alone.
gctrace prints pauses rounded to two significant digits.`,
	URL:      "https://go.dev/doc/gc-guide",
	Measures: []string{reports.DimMemory},
	Needs:    NeedBenchmarks,
	OptIn:    true,
	Run:      runGC,
}

const (
	// GCPauseLimit is the longest stop-the-world pause that is not an error.
	GCPauseLimit = 50 * time.Millisecond
	// GCP99Target is Go's own stop-the-world target per GC cycle.
	GCP99Target = 500 * time.Microsecond
	// QuietShare: the machine is quiet when other processes used less than
	// this share of its CPUs during a benchmark run.
	QuietShare = 0.25
)

const (
	gcPauseHint = "every goroutine stands still during a stop-the-world; one that long usually means a goroutine that cannot be preempted (a tight loop in a //go:nosplit or assembly function, a long non-preemptible runtime call) held up the stop: make the loop preemptible (an ordinary Go function) or split the work"
	gcP99Hint   = "Go aims for ≤ 500 µs of stop-the-world per GC cycle; a higher p99 on a quiet machine points at something delaying the stop (non-preemptible loops, many goroutines in syscalls) — trace it with gocap ebpf gc or runtime/trace"
)

// gcBench is what the gctrace lines of one benchmark said.
type gcBench struct {
	name   string
	cycles int // not forced by the testing package
	forced int
	pauses []time.Duration
}

func runGC(ctx context.Context, env *Env) (*Result, error) {
	pkgs, err := env.Packages(ctx)
	if err != nil {
		return nil, err
	}
	var targets []benchTarget
	for _, p := range pkgs {
		if bs, _ := findBenchmarks(p); len(bs) > 0 {
			targets = append(targets, benchTarget{pkg: p, benches: bs})
		}
	}
	if len(targets) == 0 {
		return &Result{Skipped: true, Summary: "no benchmarks"}, nil
	}
	tmp, err := os.MkdirTemp(env.GoTmp, "gocap-gc-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // a temp folder
	res := &Result{}
	var all []time.Duration
	var worst struct {
		d    time.Duration
		name string
	}
	cycles, forced, benches := 0, 0, 0
	var busyShares []float64
	var unjudged []string
	for i, t := range targets {
		env.progress("gc", fmt.Sprintf("benchmarks %d/%d: %s", i+1, len(targets), t.pkg.ImportPath))
		dir := filepath.Join(tmp, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, err
		}
		bin, err := buildBenchBinary(ctx, env, t.pkg, dir) // the pprof leg's binary: linked once
		if err != nil {
			return nil, err
		}
		if bin == "" {
			res.NotMeasured = append(res.NotMeasured, reports.NotMeasured{Package: t.pkg.ImportPath, Reason: "test binary does not build"})
			continue
		}
		// Benchmarks never run beside the race leg's tests (runtime lock).
		release, err := env.holdRuntime(ctx, "gc")
		if err != nil {
			return nil, err
		}
		out, others, err := runGCBench(ctx, env, t.pkg.Dir, bin, ".")
		if err != nil {
			release()
			return nil, err
		}
		busyShares = append(busyShares, others)
		quiet := others < QuietShare
		for _, b := range parseGCTrace(out) {
			benches++
			cycles += b.cycles
			forced += b.forced
			all = append(all, b.pauses...)
			decl := declOf(t.benches, b.name)
			file := ""
			line := 0
			if decl != nil {
				file, line = relTo(env.Dir, decl.File), decl.Line
			}
			maxP := slices.Max(append([]time.Duration{0}, b.pauses...))
			if maxP > worst.d {
				worst.d, worst.name = maxP, b.name
			}
			if maxP > GCPauseLimit && !quiet {
				// On a busy machine a long stop can be the scheduler's (the
				// thread of a P to stop waits for a CPU): it is an error
				// only when it comes back on every rerun of the benchmark.
				again, err := gcRepeats(ctx, env, t.pkg.Dir, bin, b.name)
				if err != nil {
					release()
					return nil, err
				}
				if again < gcReruns {
					unjudged = append(unjudged, fmt.Sprintf("%s max %s (came back in %d of %d reruns)", b.name, fmtPause(maxP), again, gcReruns))
					continue
				}
			}
			if maxP > GCPauseLimit {
				res.Findings = append(res.Findings, reports.Finding{Rule: "gc-pause", Dimension: reports.DimMemory, Severity: reports.SevError,
					File: file, Line: line, Function: b.name, Hint: gcPauseHint,
					Message: fmt.Sprintf("%s: a %s stop-the-world pause, over the %s limit (%d GC cycles, %d pauses)", b.name, fmtPause(maxP), fmtPause(GCPauseLimit), b.cycles+b.forced, len(b.pauses))})
				continue
			}
			p99 := pauseQuantile(b.pauses, 0.99)
			if p99 > GCP99Target {
				if quiet {
					res.Findings = append(res.Findings, reports.Finding{Rule: "gc-pause-p99", Dimension: reports.DimMemory, Severity: reports.SevWarning,
						File: file, Line: line, Function: b.name, Hint: gcP99Hint,
						Message: fmt.Sprintf("%s: p99 stop-the-world pause %s, over Go's %s target, on a quiet machine (other processes used %.0f%% of the CPUs)", b.name, fmtPause(p99), fmtPause(GCP99Target), 100*others)})
				} else {
					unjudged = append(unjudged, fmt.Sprintf("%s p99 %s", b.name, fmtPause(p99)))
				}
			}
		}
		release()
	}
	res.Summary = fmt.Sprintf("%s, %d GC cycles (+%d forced by the testing package between runs), %d stop-the-world pauses: p50 %s, p99 %s, max %s",
		count(benches, "benchmark", "benchmarks"), cycles, forced, len(all), fmtPause(pauseQuantile(all, 0.5)), fmtPause(pauseQuantile(all, 0.99)), fmtPause(worst.d))
	if worst.name != "" {
		res.Summary += " (" + worst.name + ")"
	}
	if len(busyShares) > 0 {
		res.Summary += fmt.Sprintf("; other processes used %.0f%% of the CPUs at most", 100*slices.Max(busyShares))
	}
	if len(unjudged) > 0 {
		more := ""
		if len(unjudged) > 4 {
			more = fmt.Sprintf(" and %d more", len(unjudged)-4)
			unjudged = unjudged[:4]
		}
		res.Summary += fmt.Sprintf("; not judged, the machine was busy: %s%s", strings.Join(unjudged, ", "), more)
	}
	return res, nil
}

// gcReruns is how many times a benchmark with a pause over GCPauseLimit on
// a busy machine is run again, alone, to tell its own stall from the
// scheduler's.
const gcReruns = 2

// gcRepeats reruns one (sub-)benchmark alone and counts the runs in which
// it paused longer than GCPauseLimit again.
func gcRepeats(ctx context.Context, env *Env, dir, bin, name string) (int, error) {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	n := 0
	for range gcReruns {
		out, _, err := runGCBench(ctx, env, dir, bin, strings.Join(parts, "/"))
		if err != nil {
			return 0, err
		}
		for _, b := range parseGCTrace(out) {
			if b.name == name && slices.Max(append([]time.Duration{0}, b.pauses...)) > GCPauseLimit {
				n++
				break
			}
		}
	}
	return n, nil
}

// runGCBench runs a test binary's benchmarks with gctrace on, stdout and
// stderr on one pipe, and returns the output and the share of the
// machine's CPUs that other processes used meanwhile.
func runGCBench(ctx context.Context, env *Env, dir, bin, bench string) ([]byte, float64, error) {
	bt := env.BenchTime
	if bt == "" {
		bt = DefaultBenchTime
	}
	timeout := env.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", bench, "-test.benchtime", bt, "-test.v", "-test.timeout", timeout.String())
	cmd.Dir = dir
	godebug := "gctrace=1"
	if v := os.Getenv("GODEBUG"); v != "" {
		godebug = v + ",gctrace=1"
	}
	cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out // one pipe: lines stay in order
	busy0, total0, _ := cpuJiffies()
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	busy1, total1, statErr := cpuJiffies()
	if ctx.Err() != nil {
		return nil, 0, ctx.Err()
	}
	if cmd.ProcessState == nil {
		return nil, 0, fmt.Errorf("%w: running %s: %w", cmdutil.ErrTool, filepath.Base(bin), err)
	}
	// A failing benchmark still printed its gctrace: the pprof leg reports the failure.
	others := 1.0 // unknown: not quiet
	if statErr == nil && total1 > total0 && wall > 0 {
		own := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		machine := float64(busy1-busy0) / float64(total1-total0) * wall.Seconds() * float64(runtime.NumCPU())
		others = max(0, (machine-own)/(wall.Seconds()*float64(runtime.NumCPU())))
	}
	return out.Bytes(), others, nil
}

// cpuJiffies reads the busy and total CPU jiffies of the machine from /proc/stat.
func cpuJiffies() (busy, total uint64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	for i, s := range f[1:] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, 0, err
		}
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total, nil
}

var (
	gcLineRe    = regexp.MustCompile(`^gc \d+ @[0-9.]+s \d+%: ([0-9.]+)\+[0-9.]+\+([0-9.]+) ms clock`)
	benchNameRe = regexp.MustCompile(`^(Benchmark\S*)$`)
)

// parseGCTrace attributes gctrace lines to the benchmark whose name -test.v
// printed last.
func parseGCTrace(out []byte) []*gcBench {
	var list []*gcBench
	by := map[string]*gcBench{}
	var cur *gcBench
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if m := benchNameRe.FindStringSubmatch(l); m != nil {
			cur = by[m[1]]
			if cur == nil {
				cur = &gcBench{name: m[1]}
				by[m[1]] = cur
				list = append(list, cur)
			}
			continue
		}
		m := gcLineRe.FindStringSubmatch(l)
		if m == nil || cur == nil {
			continue
		}
		if strings.HasSuffix(l, "(forced)") {
			cur.forced++
		} else {
			cur.cycles++
		}
		for _, s := range m[1:] {
			if ms, err := strconv.ParseFloat(s, 64); err == nil {
				cur.pauses = append(cur.pauses, time.Duration(ms*float64(time.Millisecond)))
			}
		}
	}
	// A parent whose sub-benchmarks did the work has no lines of its own.
	out2 := list[:0]
	for _, b := range list {
		if len(b.pauses) > 0 || !hasSub(list, b.name) {
			out2 = append(out2, b)
		}
	}
	return out2
}

func hasSub(list []*gcBench, name string) bool {
	for _, b := range list {
		if strings.HasPrefix(b.name, name+"/") {
			return true
		}
	}
	return false
}

// declOf finds the declaration of a (sub-)benchmark's top-level function.
func declOf(decls []benchDecl, name string) *benchDecl {
	top, _, _ := strings.Cut(name, "/")
	for i := range decls {
		if decls[i].Name == top {
			return &decls[i]
		}
	}
	return nil
}

func pauseQuantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*q+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func fmtPause(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f µs", float64(d)/1e3)
}
