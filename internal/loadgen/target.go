package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gocap/gocap/ebpfprobe"
)

// TargetOptions name the process behind the URL whose runtime gocap load
// joins to the load: PID (running) or Cmd (started by gocap), or neither.
type TargetOptions struct {
	PID int
	Cmd []string
	// Pprof is the base URL of the target's net/http/pprof handlers
	// (default: the load URL's scheme and host + /debug/pprof).
	Pprof string
	// Ready waits up to this long for a started Cmd to accept connections
	// on the load URL's host (default 15 s).
	Ready time.Duration
	// Log receives status lines (nil: none).
	Log func(format string, a ...any)
	// Gctrace skips the eBPF tracer: a started Cmd's pauses come from
	// GODEBUG=gctrace=1.
	Gctrace bool
	// OnPause, when set, is called for every GC stop-the-world pause the
	// eBPF tracer sees during the attack.
	OnPause func(ebpfprobe.Pause)
}

// GCJoin is the target's stop-the-world pauses during the attack.
type GCJoin struct {
	Source   string        `json:"source"` // "ebpf" or "gctrace"
	Cycles   int           `json:"cycles,omitempty"`
	Pauses   int           `json:"pauses"`
	GCPauses int           `json:"gc_pauses"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	Max      time.Duration `json:"max_ns"`
}

// HeapGrowth is one allocation stack whose in-use bytes grew.
type HeapGrowth struct {
	Bytes int64    `json:"bytes"`
	Stack []string `json:"stack"` // function file:line, innermost first
}

// TargetReport is what gocap load learnt about the target.
type TargetReport struct {
	PID              int          `json:"pid"`
	GC               *GCJoin      `json:"gc,omitempty"`
	GoroutinesBefore int          `json:"goroutines_before,omitempty"`
	GoroutinesAfter  int          `json:"goroutines_after,omitempty"`
	HeapBefore       int64        `json:"heap_inuse_before,omitempty"`
	HeapAfter        int64        `json:"heap_inuse_after,omitempty"`
	HeapGrowth       []HeapGrowth `json:"heap_growth,omitempty"`
	// Notes say what could not be measured, and why.
	Notes []string `json:"notes,omitempty"`
}

// Target is a joined target, started or attached.
type Target struct {
	o      TargetOptions
	rep    TargetReport
	pprof  string
	stop   func()
	done   chan struct{} // closed when the tracer or the started command ended
	mu     sync.Mutex
	window bool // collecting pauses
	pauses []ebpfprobe.Pause
	cycles int
	source string
	notGo  bool
	tail   *tailBuffer
	gcErr  error

	heapBefore *profile.Profile
}

// tracePause is the eBPF tracer's callback.
func (t *Target) tracePause(p ebpfprobe.Pause) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.window {
		return
	}
	t.pauses = append(t.pauses, p)
	if t.o.OnPause != nil {
		t.o.OnPause(p)
	}
}

func (t *Target) logf(format string, a ...any) {
	if t.o.Log != nil {
		t.o.Log(format, a...)
	}
}

// StartTarget starts or attaches to the target of loadURL. With Cmd the
// eBPF tracer starts it (held until its probes are in place); when the
// tracer cannot run here, gocap starts it with GODEBUG=gctrace=1 and reads
// the pauses from its stderr. It returns once the target accepts
// connections. Close stops what it started.
func StartTarget(ctx context.Context, loadURL string, o TargetOptions) (*Target, error) {
	u, err := url.Parse(loadURL)
	if err != nil {
		return nil, err
	}
	t := &Target{o: o, pprof: o.Pprof, done: make(chan struct{}), tail: &tailBuffer{max: 4096}}
	if t.pprof == "" {
		t.pprof = u.Scheme + "://" + u.Host + "/debug/pprof"
	}
	t.pprof = strings.TrimRight(t.pprof, "/")
	if o.Ready <= 0 {
		o.Ready = 15 * time.Second
		t.o.Ready = o.Ready
	}
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t.stop = cancel
	switch {
	case o.PID > 0:
		t.rep.PID = o.PID
		t.startTracer(tctx, ebpfprobe.GCOptions{PID: o.PID})
	case len(o.Cmd) > 0:
		// Without the tracer gocap starts it itself, with gctrace (not for
		// a program that is not Go: then it is a plain start).
		if o.Gctrace || !t.startTracer(tctx, ebpfprobe.GCOptions{Cmd: o.Cmd, Stdout: io.Discard, Stderr: t.tail}) {
			if err := t.startGctrace(tctx); err != nil {
				cancel()
				return nil, err
			}
		}
		if err := t.waitReady(ctx, u.Host); err != nil {
			t.Close()
			return nil, err
		}
	default:
		close(t.done)
		t.rep.Notes = append(t.rep.Notes, "GC pauses: not measured (no --pid or -- CMD)")
	}
	return t, nil
}

// startTracer runs the eBPF GC tracer; false when it could not start.
func (t *Target) startTracer(ctx context.Context, o ebpfprobe.GCOptions) bool {
	ready := make(chan int, 1)
	failed := make(chan error, 1)
	o.Ready = func(pid int) { ready <- pid }
	done := t.done
	go func() {
		_, err := ebpfprobe.TraceGC(ctx, o, t.tracePause)
		t.mu.Lock()
		t.gcErr = err
		t.mu.Unlock()
		failed <- err
		close(done)
	}()
	select {
	case pid := <-ready:
		t.source = "ebpf"
		if pid > 0 {
			t.rep.PID = pid
		}
		t.logf("GC pauses: eBPF stop-the-world tracer attached to pid %d\n", t.rep.PID)
		return true
	case err := <-failed:
		why := firstLine(err)
		<-done
		t.mu.Lock()
		t.gcErr = nil
		t.mu.Unlock()
		if errors.Is(err, ebpfprobe.ErrNotGo) {
			t.notGo = true
			t.rep.Notes = append(t.rep.Notes, "GC pauses: not measured: "+why)
			return false
		}
		if len(o.Cmd) > 0 {
			t.logf("GC pauses: the eBPF tracer cannot run here (%s): reading GODEBUG=gctrace=1 instead\n", why)
			t.done = make(chan struct{})
		} else {
			t.rep.Notes = append(t.rep.Notes, "GC pauses: not measured: the eBPF tracer cannot run here ("+why+") and gctrace needs a target gocap starts (-- CMD)")
		}
		return false
	}
}

// startGctrace starts o.Cmd with GODEBUG=gctrace=1 and parses its stderr.
func (t *Target) startGctrace(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, t.o.Cmd[0], t.o.Cmd[1:]...)
	godebug := "gctrace=1"
	if v := os.Getenv("GODEBUG"); v != "" {
		godebug = v + ",gctrace=1"
	}
	cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 3 * time.Second
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", t.o.Cmd[0], err)
	}
	t.source = "gctrace"
	if t.notGo {
		t.source = ""
	}
	t.rep.PID = cmd.Process.Pid
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			if ps, ok := parseGctrace(line); ok {
				t.mu.Lock()
				if t.window {
					t.cycles++
					t.pauses = append(t.pauses, ps...)
				}
				t.mu.Unlock()
				continue
			}
			_, _ = t.tail.Write([]byte(line + "\n")) // an in-memory buffer
		}
	}()
	go func() {
		err := cmd.Wait()
		_ = pw.Close() // ends the scanner
		t.mu.Lock()
		if err != nil && ctx.Err() == nil {
			t.gcErr = fmt.Errorf("%s exited: %w", t.o.Cmd[0], err)
		}
		t.mu.Unlock()
		close(t.done)
	}()
	return nil
}

// gctraceRe matches a GODEBUG=gctrace=1 line: the clock times of its
// phases, the first and third being the two stop-the-world pauses.
var gctraceRe = regexp.MustCompile(`^gc \d+ @[0-9.]+s \d+%: ([0-9.]+)\+([0-9.]+)\+([0-9.]+) ms clock`)

func parseGctrace(line string) ([]ebpfprobe.Pause, bool) {
	m := gctraceRe.FindStringSubmatch(line)
	if m == nil {
		return nil, false
	}
	now := time.Now()
	var out []ebpfprobe.Pause
	for i, reason := range map[int]string{1: "GC sweep termination", 3: "GC mark termination"} {
		ms, err := strconv.ParseFloat(m[i], 64)
		if err != nil {
			return nil, false
		}
		out = append(out, ebpfprobe.Pause{Time: now, Reason: reason, GC: true, Total: time.Duration(ms * 1e6)})
	}
	return out, true
}

// waitReady waits until host accepts a TCP connection, the target exits,
// or the ready timeout passes.
func (t *Target) waitReady(ctx context.Context, host string) error {
	deadline := time.Now().Add(t.o.Ready)
	for {
		c, err := net.DialTimeout("tcp", host, 200*time.Millisecond)
		if err == nil {
			_ = c.Close() // a probe connection
			return nil
		}
		select {
		case <-t.done:
			return fmt.Errorf("%s exited before it accepted connections on %s%s", t.o.Cmd[0], host, t.tail.last())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not accept connections on %s within %v: is the URL its address?%s", t.o.Cmd[0], host, t.o.Ready, t.tail.last())
		}
	}
}

// Before snapshots goroutines and heap and opens the pause window.
func (t *Target) Before(ctx context.Context) {
	if t.o.PID > 0 || len(t.o.Cmd) > 0 || t.o.Pprof != "" {
		t.rep.GoroutinesBefore, t.heapBefore, t.rep.HeapBefore = t.snapshot(ctx, "before")
	}
	t.mu.Lock()
	t.window = true
	t.mu.Unlock()
}

// After closes the pause window and snapshots again.
func (t *Target) After(ctx context.Context) *TargetReport {
	// gctrace prints a cycle when it ends: give the last one a moment.
	if t.source == "gctrace" {
		time.Sleep(100 * time.Millisecond)
	}
	t.mu.Lock()
	t.window = false
	pauses := append([]ebpfprobe.Pause(nil), t.pauses...)
	gcErr := t.gcErr
	t.mu.Unlock()
	if t.source != "" {
		var st ebpfprobe.PauseStats
		for _, p := range pauses {
			st.Add(p)
		}
		var r ebpfprobe.GCResult
		st.Summary(&r)
		t.rep.GC = &GCJoin{Source: t.source, Cycles: t.cycles, Pauses: r.Pauses, GCPauses: r.GCPauses, P50: r.P50, P99: r.P99, Max: r.Max}
		if t.source == "ebpf" {
			t.rep.GC.Cycles = r.GCPauses / 2
		}
	}
	if gcErr != nil && !errors.Is(gcErr, context.Canceled) {
		t.rep.Notes = append(t.rep.Notes, "GC pauses: "+firstLine(gcErr))
	}
	if t.heapBefore != nil || t.rep.GoroutinesBefore > 0 {
		var after *profile.Profile
		t.rep.GoroutinesAfter, after, t.rep.HeapAfter = t.snapshot(ctx, "after")
		if t.heapBefore != nil && after != nil {
			g, err := heapGrowth(t.heapBefore, after, 5)
			if err != nil {
				t.rep.Notes = append(t.rep.Notes, "heap growth: "+err.Error())
			}
			t.rep.HeapGrowth = g
		}
	}
	return &t.rep
}

// snapshot reads the goroutine count and a heap profile (after a GC, so
// in-use bytes are live bytes) from the target's pprof handlers.
func (t *Target) snapshot(ctx context.Context, when string) (int, *profile.Profile, int64) {
	body, err := get(ctx, t.pprof+"/goroutine?debug=1")
	if err != nil {
		if when == "before" {
			t.rep.Notes = append(t.rep.Notes, "goroutines and heap: not measured: "+err.Error()+" (serve net/http/pprof, or give --pprof URL)")
		}
		return 0, nil, 0
	}
	n := 0
	if first, _, _ := strings.Cut(string(body), "\n"); strings.HasPrefix(first, "goroutine profile: total ") {
		n, _ = strconv.Atoi(strings.TrimPrefix(first, "goroutine profile: total "))
	}
	raw, err := get(ctx, t.pprof+"/heap?gc=1")
	if err != nil {
		t.rep.Notes = append(t.rep.Notes, "heap "+when+": "+err.Error())
		return n, nil, 0
	}
	p, err := profile.ParseData(raw)
	if err != nil {
		t.rep.Notes = append(t.rep.Notes, "heap "+when+": "+err.Error())
		return n, nil, 0
	}
	return n, p, inuse(p)
}

func get(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return b, nil
}

func inuseIndex(p *profile.Profile) int {
	for i, st := range p.SampleType {
		if st.Type == "inuse_space" {
			return i
		}
	}
	return -1
}

func inuse(p *profile.Profile) int64 {
	i := inuseIndex(p)
	if i < 0 {
		return 0
	}
	var s int64
	for _, smp := range p.Sample {
		s += smp.Value[i]
	}
	return s
}

// heapGrowth merges after with the negated before (pprof's -diff_base) and
// returns the n stacks whose in-use bytes grew most.
func heapGrowth(before, after *profile.Profile, n int) ([]HeapGrowth, error) {
	base := before.Copy()
	base.Scale(-1)
	d, err := profile.Merge([]*profile.Profile{after.Copy(), base})
	if err != nil {
		return nil, err
	}
	i := inuseIndex(d)
	if i < 0 {
		return nil, errors.New("the heap profile has no inuse_space")
	}
	by := map[string]*HeapGrowth{}
	for _, s := range d.Sample {
		var stack []string
		for _, loc := range s.Location {
			for j := len(loc.Line) - 1; j >= 0; j-- { // inlined frames: innermost first
				ln := loc.Line[j]
				if ln.Function == nil {
					continue
				}
				stack = append(stack, ln.Function.Name+" "+filepath.Base(ln.Function.Filename)+":"+strconv.FormatInt(ln.Line, 10))
			}
		}
		key := strings.Join(stack, "\n")
		g := by[key]
		if g == nil {
			g = &HeapGrowth{Stack: stack}
			by[key] = g
		}
		g.Bytes += s.Value[i]
	}
	var out []HeapGrowth
	for _, g := range by {
		if g.Bytes > 0 {
			out = append(out, *g)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Bytes > out[b].Bytes })
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// Close stops the tracer and a started command and waits for them.
func (t *Target) Close() {
	t.stop()
	select {
	case <-t.done:
	case <-time.After(5 * time.Second):
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = w.b[len(w.b)-w.max:]
	}
	return len(p), nil
}

// last returns the last lines written, as ": …" for an error, or "".
func (w *tailBuffer) last() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := strings.TrimSpace(string(w.b))
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return "; its last output: " + strings.Join(lines, " | ")
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return string(bytes.TrimSpace([]byte(s)))
}
