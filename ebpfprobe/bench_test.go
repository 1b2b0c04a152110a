package ebpfprobe

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
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

// loopbackConnects makes n loopback connections to addr, each a full
// lifecycle: connect, wait for the server's close (EOF), close. The server
// closes first, so TIME_WAIT sockets stay on the listener's side and do
// not crowd the client's ephemeral ports as the benchmark goes on (which
// would slow whichever phase runs later).
func loopbackConnects(b *testing.B, addr string, n int) time.Duration {
	var buf [1]byte
	start := time.Now()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Read(buf[:]); !errors.Is(err, io.EOF) {
			b.Fatalf("reading the server's close: got %v, want EOF", err)
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
		_ = c.Close() // the server closes at once: loopbackConnects waits for it
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

// tcpRounds is how many off/on pairs one benchmark run times; each phase
// is timed in chunks of tcpChunk connections.
const (
	tcpRounds = 16
	tcpChunk  = 100
)

// BenchmarkTCPTracerOverhead: a loopback connect/accept loop's throughput
// with the tcp tracer (TraceTCP) off and on, side by side: tcpRounds
// pairs, alternating which phase goes first (off-on, on-off, …) with a GC
// before each phase, so drift and load bursts from other processes fall on
// both sides. Reports conns/s off and on (total time), the median of the
// per-round ratios of median chunk times (goal ≥ 0.95) with their min and
// max, and the program's own cost per run and per connection from the
// kernel's bpf stats.
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

	// trace starts the tracer and returns its stop function, which checks
	// it lost none and saw the connections made (≥ 99% of want: under load
	// softirq work on loopback may run late, after the flush).
	trace := func() func(want int) {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan struct{})
		type result struct {
			st  TCPStats
			err error
		}
		done := make(chan result, 1)
		go func() {
			st, err := TraceTCP(ctx, TCPOptions{Ready: func() { close(ready) }}, func(Conn) {})
			done <- result{st, err}
		}()
		select {
		case <-ready:
		case r := <-done:
			cancel()
			b.Fatal(r.err)
		}
		return func(want int) {
			cancel()
			r := <-done
			if r.err != nil {
				b.Fatal(r.err)
			}
			if r.st.Lost != 0 || r.st.Events < uint64(want)*99/100 {
				b.Fatalf("tracer saw %d connections (want about %d), lost %d", r.st.Events, want, r.st.Lost)
			}
		}
	}
	// timed runs one phase of n connections in chunks of tcpChunk and
	// returns the total and the median chunk time: a burst of load from
	// other processes spoils a chunk or two, not the phase's median.
	timed := func() (total, median time.Duration) {
		runtime.GC()
		var chunks []time.Duration
		for done := 0; done < n; done += tcpChunk {
			d := loopbackConnects(b, addr, min(tcpChunk, n-done))
			total += d
			chunks = append(chunks, d)
		}
		sort.Slice(chunks, func(i, j int) bool { return chunks[i] < chunks[j] })
		return total, (chunks[(len(chunks)-1)/2] + chunks[len(chunks)/2]) / 2
	}

	var off, on time.Duration
	const statConns = 200
	var runs uint64
	var progTime time.Duration
	var ratios []float64
	b.ResetTimer()
	for round := 0; round < tcpRounds; round++ {
		onFirst := round%2 == 1
		var offRound, onRound, offMed, onMed time.Duration
		if !onFirst {
			offRound, offMed = timed()
		}
		stop := trace()
		onRound, onMed = timed()
		// Per-run cost: a short extra phase with the kernel's bpf stats
		// on (they add two clock reads per run, so not while timing).
		stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
		if err != nil {
			b.Fatalf("EnableStats: %v", err)
		}
		loopbackConnects(b, addr, statConns)
		if err := stats.Close(); err != nil {
			b.Fatalf("disabling bpf stats: %v", err)
		}
		c, r := tcpProgramStats(b)
		runs += c
		progTime += r
		stop(2 * (n + statConns)) // a client and a server socket per connect
		if onFirst {
			offRound, offMed = timed()
		}
		off += offRound
		on += onRound
		ratios = append(ratios, offMed.Seconds()/onMed.Seconds())
	}
	b.StopTimer()
	total := float64(tcpRounds * n)
	b.ReportMetric(total/off.Seconds(), "conns/s-off")
	b.ReportMetric(total/on.Seconds(), "conns/s-on")
	sort.Float64s(ratios)
	b.ReportMetric((ratios[(len(ratios)-1)/2]+ratios[len(ratios)/2])/2, "on/off-ratio")
	b.ReportMetric(ratios[0], "ratio-min")
	b.ReportMetric(ratios[len(ratios)-1], "ratio-max")
	if runs > 0 {
		b.ReportMetric(float64(progTime.Nanoseconds())/float64(runs), "prog-ns/run")
		b.ReportMetric(float64(runs)/float64(tcpRounds*statConns), "runs/conn")
		b.ReportMetric(float64(progTime.Nanoseconds())/float64(tcpRounds*statConns), "prog-ns/conn")
	}
	b.ReportMetric(0, "ns/op")
}

// tcpProgramStats sums the bpf stats (run count, run time) of the loaded
// tcp tracer programs.
func tcpProgramStats(b *testing.B) (runs uint64, total time.Duration) {
	id, err := ebpf.ProgramGetNextID(0)
	for err == nil {
		p, perr := ebpf.NewProgramFromID(id)
		if perr == nil {
			if info, ierr := p.Info(); ierr == nil && strings.HasPrefix(info.Name, "inet_sock_set") {
				c, r := programStats(p)
				runs += c
				total += r
			}
			testclose.OK(b, "program", p)
		}
		id, err = ebpf.ProgramGetNextID(id)
	}
	return runs, total
}

// floodBurst is how many events the flood program emits per getppid(2):
// one syscall plus a raw tracepoint costs ~1.4 µs here, so one event per
// call would measure the producer, not the Go consumer.
const floodBurst = 64

// floodWindow bounds the events produced but not yet decoded in the live
// phase (the ring holds 16 MiB / 24 B ≈ 699k events): the producer waits
// for the consumer instead of overrunning it, so the live rate is the
// highest rate the consumer sustains with 0 lost.
const floodWindow = 1 << 18

// BenchmarkRingbufConsumer: a raw tracepoint on sys_enter emits a burst of
// floodBurst events per getppid(2) of this process; a Go reader
// (ringbuf.Reader.ReadInto) decodes them. Reports the drain rate of a
// pre-filled ring, the live rate with producer and consumer running at
// once (producer paced by floodWindow), the producer's own rate, events
// lost (counted in the kernel) and the program's ns per burst.
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
	if err := spec.Variables["burst"].Set(uint32(floodBurst)); err != nil {
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

	counter := func(k uint32) uint64 {
		var vals []uint64
		if err := objs.FloodStats.Lookup(k, &vals); err != nil {
			b.Fatalf("reading flood counter %d: %v", k, err)
		}
		var sum uint64
		for _, v := range vals {
			sum += v
		}
		return sum
	}
	// consume decodes up to n events, publishing its progress in done
	// every 64 events (the producer's pacing reads it).
	var rec ringbuf.Record
	var ev bpf.FloodFloodEvent
	var seqSum uint64
	consume := func(n int, done *atomic.Int64) int {
		got := 0
		rd.SetDeadline(time.Now().Add(10 * time.Second)) // only a stall waits this long
		for got < n {
			if err := rd.ReadInto(&rec); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break
				}
				b.Fatal(err)
			}
			if len(rec.RawSample) < 16 {
				b.Fatalf("short flood event: %d bytes", len(rec.RawSample))
			}
			ev.Seq = binary.NativeEndian.Uint64(rec.RawSample[0:8])
			ev.TsNs = binary.NativeEndian.Uint64(rec.RawSample[8:16])
			seqSum += ev.Seq
			got++
			if got%64 == 0 && done != nil {
				done.Store(int64(got))
			}
		}
		return got
	}

	// Drain: fill the ring (500k of its ~699k slots) with nobody reading,
	// then time the Go consumer alone. The fill also times the producer.
	const fill = 500_000 / floodBurst * floodBurst
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < fill/floodBurst; i++ {
		syscall.Getppid()
	}
	produceTime := time.Since(start)
	start = time.Now()
	got := consume(fill, nil)
	drain := time.Since(start)
	if got != fill {
		b.Errorf("drain: read %d of %d events", got, fill)
	}

	// Live: producer and consumer at once (one core each), the producer
	// never more than floodWindow events ahead of the consumer.
	n := max(b.N, 2_000_000) / floodBurst * floodBurst
	var decoded atomic.Int64
	liveGot := make(chan int, 1)
	start = time.Now()
	go func() { liveGot <- consume(n, &decoded) }()
	waits := 0
	for produced := 0; produced < n; {
		if int64(produced)-decoded.Load() > floodWindow {
			waits++
			runtime.Gosched()
			continue
		}
		syscall.Getppid()
		produced += floodBurst
	}
	lg := <-liveGot
	live := time.Since(start)
	b.StopTimer()
	lost, sent := counter(1), counter(0)
	if uint64(got+lg)+lost != uint64(fill+n) || sent != uint64(got+lg) {
		b.Errorf("read %d + lost %d != produced %d (kernel sent %d)", got+lg, lost, fill+n, sent)
	}
	if seqSum == 0 {
		b.Error("decoded no sequence numbers")
	}
	c, r := programStats(objs.Flood)
	b.ReportMetric(float64(got)/drain.Seconds(), "events/s-drain")
	b.ReportMetric(float64(lg)/live.Seconds(), "events/s-live")
	b.ReportMetric(float64(fill)/produceTime.Seconds(), "events/s-producer")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(waits), "producer-waits")
	if c > 0 && sent > 0 {
		// Program time per event sent (runs on the process's other
		// syscalls return at once and are included).
		b.ReportMetric(float64(r.Nanoseconds())/float64(sent), "prog-ns/event")
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
