package ebpfprobe

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/gocap/gocap/ebpfprobe/internal/bpf"
	"github.com/gocap/gocap/internal/testclose"
)

// loopbackConnects opens and closes n loopback connections to ln.
func loopbackConnects(b *testing.B, addr string, n int) time.Duration {
	start := time.Now()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

func acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_ = c.Close() // the server side: the client's close is the measured event
	}
}

// programStats returns the run count and run time of the first loaded
// program named name.
func programStats(p *ebpf.Program) (uint64, time.Duration) {
	st, err := p.Stats()
	if err != nil {
		return 0, 0
	}
	return st.RunCount, st.Runtime
}

// BenchmarkTCPTracerOverhead: a loopback connect/accept loop's throughput
// with the tcp tracer detached and attached, interleaved, side by side.
// Reports conns/s off and on, their ratio (goal ≥ 0.95), and the program's
// own cost per event from the kernel's bpf stats.
func BenchmarkTCPTracerOverhead(b *testing.B) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer testclose.OK(b, "listener", ln)
	go acceptLoop(ln)
	addr := ln.Addr().String()
	n := max(b.N, 200)
	loopbackConnects(b, addr, 100) // warm up

	var off, on time.Duration
	var runs uint64
	var runtime time.Duration
	b.ResetTimer()
	const rounds = 5
	var ratios []float64
	for round := 0; round < rounds; round++ {
		offRound := loopbackConnects(b, addr, n)
		off += offRound

		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan struct{})
		done := make(chan error, 1)
		var seen int
		var mu sync.Mutex
		go func() {
			_, err := TraceTCP(ctx, TCPOptions{Ready: func() { close(ready) }}, func(Conn) { mu.Lock(); seen++; mu.Unlock() })
			done <- err
		}()
		select {
		case <-ready:
		case err := <-done:
			b.Fatal(err)
		}
		onRound := loopbackConnects(b, addr, n)
		on += onRound
		ratios = append(ratios, offRound.Seconds()/onRound.Seconds())
		// Per-event cost: a short extra phase with the kernel's bpf stats
		// on (they add two clock reads per run, so not while timing).
		stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
		if err != nil {
			b.Fatalf("EnableStats: %v", err)
		}
		loopbackConnects(b, addr, 200)
		if err := stats.Close(); err != nil {
			b.Fatalf("disabling bpf stats: %v", err)
		}
		if id, err := ebpf.ProgramGetNextID(0); err == nil {
			for {
				p, err := ebpf.NewProgramFromID(id)
				if err == nil {
					if info, err := p.Info(); err == nil && strings.HasPrefix(info.Name, "inet_sock_set") {
						c, r := programStats(p)
						runs += c
						runtime += r
					}
					testclose.OK(b, "program", p)
				}
				id, err = ebpf.ProgramGetNextID(id)
				if err != nil {
					break
				}
			}
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	total := float64(rounds * n)
	b.ReportMetric(total/off.Seconds(), "conns/s-off")
	b.ReportMetric(total/on.Seconds(), "conns/s-on")
	// The median of per-round ratios: rounds alternate off/on, so a burst
	// of load from other processes spoils one round, not the result.
	sort.Float64s(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "on/off-ratio")
	if runs > 0 {
		b.ReportMetric(float64(runtime.Nanoseconds())/float64(runs), "prog-ns/event")
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkRingbufConsumer: a raw tracepoint on sys_enter emits one event
// per getppid(2) of this process; a Go reader decodes them. Reports events/s
// decoded, events lost (counted in the kernel), and the program's ns/event.
func BenchmarkRingbufConsumer(b *testing.B) {
	if err := require(need{perf: true}); err != nil {
		b.Fatal(err)
	}
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		b.Fatalf("EnableStats: %v", err)
	}
	defer testclose.OK(b, "bpf stats", stats)
	spec, err := bpf.LoadFlood()
	if err != nil {
		b.Fatal(err)
	}
	if err := spec.Variables["target_tgid"].Set(uint32(os.Getpid())); err != nil {
		b.Fatal(err)
	}
	var objs bpf.FloodObjects
	if err := spec.LoadAndAssign(&objs, nil); err != nil {
		b.Fatal(err)
	}
	defer testclose.OK(b, "flood objects", &objs)
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: objs.Flood})
	if err != nil {
		b.Fatal(err)
	}
	defer testclose.OK(b, "raw tracepoint link", l)
	rd, err := ringbuf.NewReader(objs.FloodEvents)
	if err != nil {
		b.Fatal(err)
	}
	defer testclose.OK(b, "ring buffer reader", rd)

	produce := func(n, workers int) {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n/workers; i++ {
					syscall.Getppid()
				}
			}()
		}
		wg.Wait()
	}
	dropped := func() uint64 {
		var vals []uint64
		if err := objs.FloodStats.Lookup(uint32(1), &vals); err != nil {
			b.Fatalf("reading the drop counter: %v", err)
		}
		var d uint64
		for _, v := range vals {
			d += v
		}
		return d
	}
	var rec ringbuf.Record
	var seq, prev uint64
	gaps := 0
	consume := func(n int) int {
		got := 0
		rd.SetDeadline(time.Now().Add(2 * time.Second))
		for got < n {
			if err := rd.ReadInto(&rec); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break
				}
				b.Fatal(err)
			}
			seq = binary.NativeEndian.Uint64(rec.RawSample[0:8]) // decode seq
			_ = binary.NativeEndian.Uint64(rec.RawSample[8:16])  // and ts
			if prev != 0 && seq != prev+1 {
				gaps++ // per-CPU sequences interleave: informative only
			}
			prev = seq
			got++
		}
		return got
	}

	// Drain: fill the ring (500k of its ~699k slots) with nobody reading,
	// then time the Go consumer alone.
	const fill = 500_000
	b.ResetTimer()
	produce(fill, 2)
	start := time.Now()
	got := consume(fill)
	drain := time.Since(start)
	if got != fill {
		b.Errorf("drain: read %d of %d events", got, fill)
	}

	// Live: one producer and the consumer run at once (one core each).
	n := max(b.N, 1_000_000)
	liveGot := make(chan int, 1)
	start = time.Now()
	go func() { liveGot <- consume(n) }()
	produce(n, 1)
	lg := <-liveGot
	live := time.Since(start)
	b.StopTimer()
	lost := dropped()
	if uint64(lg)+lost != uint64(n) {
		b.Errorf("live: read %d + lost %d != produced %d", lg, lost, n)
	}
	c, r := programStats(objs.Flood)
	b.ReportMetric(float64(got)/drain.Seconds(), "events/s-drain")
	b.ReportMetric(float64(lg)/live.Seconds(), "events/s-live")
	b.ReportMetric(float64(lost), "lost")
	if c > 0 {
		b.ReportMetric(float64(r.Nanoseconds())/float64(c), "prog-ns/event")
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkMallocTracerOverhead: an allocation-heavy Go program run plain
// and under the mallocgc uprobe; reports ns per allocation off and on and
// the overhead per allocation.
func BenchmarkMallocTracerOverhead(b *testing.B) {
	prog := buildAllocProg(b)
	const n = "30000"
	var off, on time.Duration
	var allocs uint64
	b.ResetTimer()
	for i := 0; i < max(b.N, 1); i++ {
		start := time.Now()
		if out, err := exec.Command(prog, "-n", n).CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		off += time.Since(start)
		start = time.Now()
		res, err := TraceMalloc(context.Background(), MallocOptions{Cmd: []string{prog, "-n", n}})
		if err != nil {
			b.Fatal(err)
		}
		on += time.Since(start)
		allocs += res.Count
	}
	b.StopTimer()
	per := float64(allocs)
	b.ReportMetric(float64(off.Nanoseconds())/per, "ns/alloc-off")
	b.ReportMetric(float64(on.Nanoseconds())/per, "ns/alloc-on")
	b.ReportMetric(float64((on-off).Nanoseconds())/per, "overhead-ns/alloc")
	b.ReportMetric(0, "ns/op")
}
