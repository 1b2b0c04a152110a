package ebpfprobe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/gocap/gocap/ebpfprobe/internal/bpf"
)

// GCOptions name the Go program whose stop-the-world pauses TraceGC
// watches: exactly one of Exe, PID, Cmd.
type GCOptions struct {
	Exe string   // every process running this executable
	PID int      // one running process
	Cmd []string // start this command and trace it until it exits
	// Stdin, Stdout, Stderr of a started Cmd (nil: discarded).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Env of a started Cmd (nil: gocap's own environment).
	Env []string
	// Ready, when set, is called once the probes are attached (with Cmd:
	// before the command runs its first instruction); pid is the traced
	// process (0 with Exe).
	Ready func(pid int)
}

// Pause is one stop-the-world pause.
type Pause struct {
	Time     time.Time     `json:"time"`
	PID      int           `json:"pid"`
	Reason   string        `json:"reason"`
	GC       bool          `json:"gc"`
	Total    time.Duration `json:"total_ns"`    // the whole pause
	Stopping time.Duration `json:"stopping_ns"` // of which stopping the Ps
}

// ReasonStats summarise the pauses of one reason.
type ReasonStats struct {
	Count int           `json:"count"`
	GC    bool          `json:"gc"`
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
	Total time.Duration `json:"total_ns"`
}

// GCResult is what TraceGC measured.
type GCResult struct {
	Exe       string        `json:"exe"`
	GoVersion string        `json:"go_version"`
	PID       int           `json:"pid,omitempty"`
	Duration  time.Duration `json:"duration_ns"`
	// Exact: the totals are the runtime's own (read at its
	// timeHistogram.record calls); otherwise they run from the start of the
	// stop to the entry of startTheWorldWithSema and miss the waking of the
	// Ps, which understates the tail.
	Exact    bool                   `json:"exact"`
	Pauses   int                    `json:"pauses"`
	GCPauses int                    `json:"gc_pauses"`
	P50      time.Duration          `json:"p50_ns"`
	P99      time.Duration          `json:"p99_ns"`
	Max      time.Duration          `json:"max_ns"`
	Total    time.Duration          `json:"total_ns"`
	ByReason map[string]ReasonStats `json:"by_reason"`
	// Hist: log2 buckets of the pause in µs, bcc's slots (slot i: [2^i, 2^(i+1)), slot 0 also < 1 µs).
	Hist     []uint64 `json:"hist_us"`
	Lost     uint64   `json:"lost"`
	ExitCode int      `json:"exit_code,omitempty"`
}

// PauseStats accumulates pauses into a GCResult's summary; TraceGC uses
// it and so can a caller drawing a live view.
type PauseStats struct {
	all      []time.Duration
	byReason map[string][]time.Duration
	gc       map[string]bool
}

// Add records one pause.
func (s *PauseStats) Add(p Pause) {
	if s.byReason == nil {
		s.byReason, s.gc = map[string][]time.Duration{}, map[string]bool{}
	}
	s.all = append(s.all, p.Total)
	s.byReason[p.Reason] = append(s.byReason[p.Reason], p.Total)
	s.gc[p.Reason] = p.GC
}

// Summary fills r's counts, percentiles, reasons and histogram.
func (s *PauseStats) Summary(r *GCResult) {
	r.Pauses, r.GCPauses, r.Total = len(s.all), 0, 0
	r.P50, r.P99, r.Max = Percentile(s.all, 0.5), Percentile(s.all, 0.99), Percentile(s.all, 1)
	r.ByReason = map[string]ReasonStats{}
	for name, ds := range s.byReason {
		rs := ReasonStats{Count: len(ds), GC: s.gc[name], P50: Percentile(ds, 0.5), P99: Percentile(ds, 0.99), Max: Percentile(ds, 1)}
		for _, d := range ds {
			rs.Total += d
		}
		r.Total += rs.Total
		if rs.GC {
			r.GCPauses += rs.Count
		}
		r.ByReason[name] = rs
	}
	r.Hist = nil
	for _, d := range s.all {
		us := uint64(d / time.Microsecond)
		slot := 0
		for us > 1 {
			us >>= 1
			slot++
		}
		for len(r.Hist) <= slot {
			r.Hist = append(r.Hist, 0)
		}
		r.Hist[slot]++
	}
}

// Percentile returns the q-quantile (0 < q ≤ 1, nearest rank) of ds, 0 for none.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// TraceGC watches a Go program's stop-the-world pauses with entry-only
// uprobes on runtime.stopTheWorldWithSema and startTheWorldWithSema and on
// the runtime's own calls recording each pause's length, until ctx ends
// (or, with Cmd, the command exits). onPause, when set, is called for every
// pause as it ends, from one goroutine. Errors wrap ErrNotGo or
// ErrNoSTWSymbols for a program it cannot trace; a *PermissionError names
// a missing privilege.
func TraceGC(ctx context.Context, o GCOptions, onPause func(Pause)) (_ *GCResult, err error) {
	exe, err := gcTarget(o)
	if err != nil {
		return nil, err
	}
	probes, err := findSTWProbes(exe)
	if err != nil {
		return nil, err
	}
	if err := require(need{perf: true}); err != nil {
		return nil, err
	}
	if _, _, err := ensureTracefs(); err != nil {
		return nil, &UnsupportedError{Hook: "uprobe", Reason: err.Error()}
	}
	res := &GCResult{Exe: exe, GoVersion: probes.GoVersion, PID: o.PID, Exact: len(probes.Record) > 0}

	var cmd *exec.Cmd
	pid := o.PID
	if len(o.Cmd) > 0 {
		// Start the command stopped (ptrace stops it after exec) so every
		// pause, the first GC's too, is seen.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if cmd, err = startStopped(exe, o); err != nil {
			return nil, err
		}
		pid = cmd.Process.Pid
		res.PID = pid
	}
	fail := func(err error) (*GCResult, error) {
		if cmd != nil {
			reap(cmd, true)
		}
		return nil, err
	}

	spec, err := bpf.LoadGc()
	if err != nil {
		return fail(fmt.Errorf("loading the gc program spec: %w", err))
	}
	if err := spec.Variables["target_tgid"].Set(uint32(pid)); err != nil {
		return fail(fmt.Errorf("setting target_tgid: %w", err))
	}
	exact := uint8(0)
	if res.Exact {
		exact = 1
	}
	if err := spec.Variables["exact"].Set(exact); err != nil {
		return fail(fmt.Errorf("setting exact: %w", err))
	}
	var objs bpf.GcObjects
	if err := spec.LoadAndAssign(&objs, nil); err != nil {
		return fail(fmt.Errorf("loading the gc program: %w", err))
	}
	defer func() { err = errors.Join(err, objs.Close()) }()

	ex, err := link.OpenExecutable(exe)
	if err != nil {
		return fail(fmt.Errorf("opening %s: %w", exe, err))
	}
	type probe struct {
		sym  string
		off  uint64
		prog *ebpf.Program
	}
	ps := []probe{{symStop, probes.Stop, objs.StwStop}, {symStart, probes.Start, objs.StwStart}}
	for _, at := range probes.Record {
		ps = append(ps, probe{symStart, at, objs.StwRecord})
	}
	for _, p := range ps {
		l, err := ex.Uprobe(p.sym, p.prog, &link.UprobeOptions{Address: p.off, PID: pid})
		if err != nil {
			return fail(&UnsupportedError{Hook: "uprobe " + p.sym, Reason: err.Error()})
		}
		defer func() { err = errors.Join(err, l.Close()) }() // detach: a failure leaves the probe in place
	}

	rd, err := ringbuf.NewReader(objs.Pauses)
	if err != nil {
		return fail(fmt.Errorf("opening the ring buffer: %w", err))
	}
	var closeOnce sync.Once
	var closeErr error
	closeRd := func() { closeOnce.Do(func() { closeErr = rd.Close() }) }
	defer func() {
		closeRd()
		err = errors.Join(err, closeErr)
	}()

	start := time.Now()
	stop := make(chan struct{})
	var exited chan struct{}
	var waitErr error
	if cmd != nil {
		if o.Ready != nil {
			o.Ready(pid)
		}
		if err := syscall.PtraceDetach(pid); err != nil {
			reap(cmd, false)
			return nil, fmt.Errorf("resuming %s: %w", o.Cmd[0], err)
		}
		exited = make(chan struct{})
		go func() {
			waitErr = cmd.Wait()
			close(exited)
			select { // let the reader drain the last pauses
			case <-time.After(50 * time.Millisecond):
			case <-stop:
			}
			closeRd()
		}()
	} else if o.Ready != nil {
		o.Ready(pid)
	}
	go func() {
		select {
		case <-ctx.Done():
			if cmd != nil {
				_ = cmd.Process.Kill() // fails only once it has exited; Wait reports how it ended
			}
		case <-stop:
		}
		closeRd()
	}()

	// Go's nanotime and bpf_ktime_get_ns are both CLOCK_MONOTONIC: an
	// event's end_ns becomes wall time through one offset.
	wallOff := time.Now().UnixNano() - int64(monoNow())
	var stats PauseStats
	var rec ringbuf.Record
	var ev bpf.GcStwEvent
	for {
		if err := rd.ReadInto(&rec); err != nil {
			if errors.Is(err, ringbuf.ErrClosed) {
				break
			}
			close(stop)
			return nil, fmt.Errorf("reading the ring buffer: %w", err)
		}
		if _, err := binary.Decode(rec.RawSample, binary.NativeEndian, &ev); err != nil {
			close(stop)
			return nil, fmt.Errorf("decoding a pause: %w", err)
		}
		p := Pause{
			Time: time.Unix(0, int64(ev.EndNs)+wallOff), PID: int(ev.Tgid),
			Reason: stwReasonName(ev.Reason), GC: stwIsGC(ev.Reason),
			Total: time.Duration(ev.TotalNs), Stopping: time.Duration(ev.StoppingNs),
		}
		stats.Add(p)
		if onPause != nil {
			onPause(p)
		}
	}
	close(stop)
	if exited != nil {
		<-exited
		res.ExitCode = exitCode(waitErr)
	}
	res.Duration = time.Since(start)
	res.Lost = sumPerCPU(objs.Lost)
	stats.Summary(res)
	return res, nil
}

// gcTarget resolves the executable TraceGC probes.
func gcTarget(o GCOptions) (string, error) {
	set := 0
	for _, b := range []bool{o.Exe != "", o.PID != 0, len(o.Cmd) > 0} {
		if b {
			set++
		}
	}
	if set != 1 {
		return "", errors.New("name exactly one of an executable, a pid or a command")
	}
	exe := o.Exe
	switch {
	case o.PID != 0:
		p, err := os.Readlink("/proc/" + strconv.Itoa(o.PID) + "/exe")
		if err != nil {
			return "", fmt.Errorf("process %d: %w", o.PID, err)
		}
		exe = p
	case len(o.Cmd) > 0:
		p, err := exec.LookPath(o.Cmd[0])
		if err != nil {
			return "", fmt.Errorf("command %q: %w", o.Cmd[0], err)
		}
		exe = p
	}
	if abs, err := filepath.Abs(exe); err == nil {
		exe = abs
	}
	return exe, nil
}

// startStopped starts o.Cmd under ptrace, which stops it right after exec,
// and waits for that stop; the caller must hold its OS thread locked until
// it detaches.
func startStopped(exe string, o GCOptions) (*exec.Cmd, error) {
	cmd := exec.Command(exe, o.Cmd[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = o.Stdin, o.Stdout, o.Stderr, o.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", o.Cmd[0], err)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(cmd.Process.Pid, &ws, 0, nil); err != nil {
		reap(cmd, false)
		return nil, fmt.Errorf("starting %s: waiting for it to stop after exec: %w", o.Cmd[0], err)
	}
	if !ws.Stopped() {
		reap(cmd, false)
		return nil, fmt.Errorf("starting %s: it did not stop after exec", o.Cmd[0])
	}
	return cmd, nil
}
