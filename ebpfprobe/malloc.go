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
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/gocap/gocap/ebpfprobe/internal/bpf"
	"github.com/gocap/gocap/ebpfprobe/internal/gosyms"
)

// ErrNotGo is wrapped by TraceMalloc's error when the target is not an
// amd64 Go ≥ 1.17 executable (a C program, an old Go, another arch).
var ErrNotGo = gosyms.ErrNotGo

// DefaultSampleBytes is how many allocated bytes one stack sample stands for.
const DefaultSampleBytes = 512 << 10

// MallocOptions name the program to trace: exactly one of Exe, PID, Cmd.
type MallocOptions struct {
	Exe string   // every process running this executable
	PID int      // one running process
	Cmd []string // start this command and trace it until it exits
	// SampleBytes: one stack per this many allocated bytes (per CPU);
	// 0 means DefaultSampleBytes.
	SampleBytes uint64
	// Stdin, Stdout, Stderr of a started Cmd (nil: discarded).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Ready, when set, is called once the uprobe is attached.
	Ready func()
}

// AllocSite is one place that allocates, with the bytes its samples stand for.
type AllocSite struct {
	Function string   `json:"function"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Bytes    uint64   `json:"bytes"`   // estimated: samples × sample weight
	Samples  uint64   `json:"samples"` // stack samples at this site
	Stack    []string `json:"stack"`   // function file:line, innermost first
}

// MallocResult is what TraceMalloc measured.
type MallocResult struct {
	Exe         string        `json:"exe"`
	GoVersion   string        `json:"go_version"`
	PID         int           `json:"pid,omitempty"`
	Duration    time.Duration `json:"duration_ns"`
	Count       uint64        `json:"allocs"`
	Bytes       uint64        `json:"bytes"`
	PerSecond   float64       `json:"allocs_per_second"`
	SizeHist    []uint64      `json:"size_hist"` // slot 0: size 0; slot i: [2^(i-1), 2^i)
	SampleBytes uint64        `json:"sample_bytes"`
	Samples     uint64        `json:"samples"`
	Lost        uint64        `json:"lost_samples"`
	Sites       []AllocSite   `json:"sites"` // by bytes, largest first
	ExitCode    int           `json:"exit_code,omitempty"`
}

// TraceMalloc attaches an entry-only uprobe to runtime.mallocgc of a Go
// program and counts its allocations until ctx ends (or, with Cmd, until
// the command exits). Stacks are sampled by bytes and symbolized from the
// binary's pclntab. Errors wrap ErrNotGo for a program it cannot trace; a
// *PermissionError names a missing privilege.
func TraceMalloc(ctx context.Context, o MallocOptions) (_ *MallocResult, err error) {
	set := 0
	for _, b := range []bool{o.Exe != "", o.PID != 0, len(o.Cmd) > 0} {
		if b {
			set++
		}
	}
	if set != 1 {
		return nil, errors.New("name exactly one of an executable, a pid or a command")
	}
	exe := o.Exe
	switch {
	case o.PID != 0:
		p, err := os.Readlink("/proc/" + strconv.Itoa(o.PID) + "/exe")
		if err != nil {
			return nil, fmt.Errorf("process %d: %w", o.PID, err)
		}
		exe = p
	case len(o.Cmd) > 0:
		p, err := exec.LookPath(o.Cmd[0])
		if err != nil {
			return nil, fmt.Errorf("command %q: %w", o.Cmd[0], err)
		}
		exe = p
	}
	if abs, err := filepath.Abs(exe); err == nil {
		exe = abs
	}
	bin, err := gosyms.Open(exe)
	if err != nil {
		return nil, err
	}
	if err := require(need{perf: true}); err != nil {
		return nil, err
	}
	if _, _, err := ensureTracefs(); err != nil {
		return nil, &UnsupportedError{Hook: "uprobe", Reason: err.Error()}
	}
	sample := o.SampleBytes
	if sample == 0 {
		sample = DefaultSampleBytes
	}
	spec, err := bpf.LoadMalloc()
	if err != nil {
		return nil, fmt.Errorf("loading the malloc program spec: %w", err)
	}
	if err := spec.Variables["sample_bytes"].Set(sample); err != nil {
		return nil, fmt.Errorf("setting sample_bytes: %w", err)
	}
	var objs bpf.MallocObjects
	if err := spec.LoadAndAssign(&objs, nil); err != nil {
		return nil, fmt.Errorf("loading the malloc program: %w", err)
	}
	defer func() { err = errors.Join(err, objs.Close()) }()

	ex, err := link.OpenExecutable(exe)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", exe, err)
	}
	res := &MallocResult{Exe: exe, GoVersion: bin.GoVersion, PID: o.PID, SampleBytes: sample}

	var cmd *exec.Cmd
	pid := o.PID
	if len(o.Cmd) > 0 {
		// Start the command stopped (ptrace stops it right after exec) so
		// the probe is in place before its first allocation.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cmd = exec.Command(exe, o.Cmd[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("starting %s: %w", o.Cmd[0], err)
		}
		pid = cmd.Process.Pid
		res.PID = pid
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			reap(cmd, false)
			return nil, fmt.Errorf("starting %s: waiting for it to stop after exec: %w", o.Cmd[0], err)
		} else if !ws.Stopped() {
			reap(cmd, false)
			return nil, fmt.Errorf("starting %s: it did not stop after exec", o.Cmd[0])
		}
	}
	up, err := ex.Uprobe("runtime.mallocgc", objs.Mallocgc, &link.UprobeOptions{Address: bin.MallocgcOffset, PID: pid})
	if err != nil {
		if cmd != nil {
			reap(cmd, true)
		}
		return nil, &UnsupportedError{Hook: "uprobe runtime.mallocgc", Reason: err.Error()}
	}
	defer func() { err = errors.Join(err, up.Close()) }() // detach: a failure leaves the probe in place

	rd, err := ringbuf.NewReader(objs.Samples)
	if err != nil {
		if cmd != nil {
			reap(cmd, true)
		}
		return nil, fmt.Errorf("opening the ring buffer: %w", err)
	}
	// Two goroutines below close the reader to end the read loop; the first
	// close's error is kept and returned.
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
		if err := syscall.PtraceDetach(pid); err != nil {
			reap(cmd, false)
			return nil, fmt.Errorf("resuming %s: %w", o.Cmd[0], err)
		}
		exited = make(chan struct{})
		go func() {
			waitErr = cmd.Wait()
			close(exited)
			// Let the reader drain the last samples, then end its loop.
			select {
			case <-time.After(50 * time.Millisecond):
			case <-stop:
			}
			closeRd()
		}()
	}
	go func() {
		select {
		case <-ctx.Done():
			if cmd != nil {
				// Ctrl-C ends the traced command too. Kill fails only once it
				// has exited, and its Wait (above) reports how it ended.
				_ = cmd.Process.Kill()
			}
		case <-stop:
		}
		closeRd()
	}()
	if o.Ready != nil {
		o.Ready()
	}

	agg := newSiteAgg(bin)
	var rec ringbuf.Record
	var s bpf.MallocAllocSample
	for {
		if err := rd.ReadInto(&rec); err != nil {
			if errors.Is(err, ringbuf.ErrClosed) {
				break
			}
			close(stop)
			return nil, fmt.Errorf("reading the ring buffer: %w", err)
		}
		if _, err := binary.Decode(rec.RawSample, binary.NativeEndian, &s); err != nil {
			close(stop)
			return nil, fmt.Errorf("decoding a sample: %w", err)
		}
		res.Samples++
		agg.add(&s)
	}
	close(stop)
	if exited != nil {
		<-exited
		res.ExitCode = exitCode(waitErr)
	}
	res.Duration = time.Since(start)
	if err := readMallocTotals(&objs, res); err != nil {
		return nil, err
	}
	if res.Duration > 0 {
		res.PerSecond = float64(res.Count) / res.Duration.Seconds()
	}
	res.Sites = agg.sites(sample)
	return res, nil
}

// reap kills a child abandoned on an error path and waits for it, so no
// zombie or ptrace-stopped process stays behind. Its exit status is moot (it
// was killed) and Kill fails only when it has already exited, so both errors
// are dropped on purpose; with detach, PTRACE_DETACH also releases a child
// still under ptrace.
func reap(cmd *exec.Cmd, detach bool) {
	_ = cmd.Process.Kill()
	if detach {
		_ = syscall.PtraceDetach(cmd.Process.Pid)
	}
	_ = cmd.Wait()
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return 0
}

func readMallocTotals(objs *bpf.MallocObjects, res *MallocResult) error {
	var tot []bpf.MallocMallocTotals
	if err := objs.Totals.Lookup(uint32(0), &tot); err != nil {
		return fmt.Errorf("reading totals: %w", err)
	}
	for _, t := range tot {
		res.Count += t.Count
		res.Bytes += t.Bytes
		res.Lost += t.Lost
	}
	res.SizeHist = make([]uint64, objs.Hist.MaxEntries())
	var vals []uint64
	for i := range res.SizeHist {
		if err := objs.Hist.Lookup(uint32(i), &vals); err != nil {
			return fmt.Errorf("reading the size histogram: %w", err)
		}
		for _, v := range vals {
			res.SizeHist[i] += v
		}
	}
	// Trim empty high slots.
	n := len(res.SizeHist)
	for n > 0 && res.SizeHist[n-1] == 0 {
		n--
	}
	res.SizeHist = res.SizeHist[:n]
	return nil
}

// siteAgg turns stack samples into allocation sites.
type siteAgg struct {
	bin    *gosyms.Binary
	bias   map[uint32]uint64
	bySite map[string]*AllocSite
}

func newSiteAgg(bin *gosyms.Binary) *siteAgg {
	return &siteAgg{bin: bin, bias: map[uint32]uint64{}, bySite: map[string]*AllocSite{}}
}

func (a *siteAgg) add(s *bpf.MallocAllocSample) {
	bias, ok := a.bias[s.Pid]
	if !ok {
		b, err := a.bin.Bias(int(s.Pid))
		if err == nil {
			bias = b
		}
		a.bias[s.Pid] = bias
	}
	n := int(s.Nframes)
	if n > len(s.Ips) {
		n = len(s.Ips)
	}
	var stack []string
	var site *gosyms.Frame
	for i := 0; i < n; i++ {
		pc := s.Ips[i] - bias
		if i > 0 {
			pc-- // a return address: look up the call instruction
		}
		f, ok := a.bin.Lookup(pc)
		if !ok {
			continue
		}
		stack = append(stack, f.Function+" "+filepath.Base(f.File)+":"+strconv.Itoa(f.Line))
		if site == nil && !isRuntime(f.Function) {
			ff := f
			site = &ff
		}
	}
	key := "(runtime)"
	fr := gosyms.Frame{Function: "(runtime internal)"}
	if site != nil {
		fr = *site
		key = fr.Function + "\x00" + fr.File + "\x00" + strconv.Itoa(fr.Line)
	}
	as := a.bySite[key]
	if as == nil {
		as = &AllocSite{Function: fr.Function, File: fr.File, Line: fr.Line, Stack: stack}
		a.bySite[key] = as
	}
	as.Samples++
	as.Bytes += s.Weight
}

func isRuntime(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") || fn == "runtime"
}

func (a *siteAgg) sites(uint64) []AllocSite {
	out := make([]AllocSite, 0, len(a.bySite))
	for _, s := range a.bySite {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return out[i].Function < out[j].Function
	})
	return out
}
