package ebpfprobe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"
	"unsafe"

	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/gocap/gocap/ebpfprobe/internal/bpf"
)

// Conn is one TCP connection, reported when it closes.
type Conn struct {
	Time     time.Time      `json:"time"`        // when it closed
	PID      uint32         `json:"pid"`         // 0 when never seen in process context
	Comm     string         `json:"comm"`        // process name (16 bytes max)
	Local    netip.AddrPort `json:"local"`       // local address and port
	Remote   netip.AddrPort `json:"remote"`      // remote address and port
	Active   bool           `json:"active"`      // we connected (vs accepted)
	Refused  bool           `json:"refused"`     // SYN_SENT → CLOSE: the connect failed
	Latency  time.Duration  `json:"latency_ns"`  // SYN_SENT → ESTABLISHED (or → CLOSE when refused); 0 for passive
	Lifespan time.Duration  `json:"lifespan_ns"` // first state seen → CLOSE
	RxBytes  uint64         `json:"rx_bytes"`    // tcp_sock.bytes_received
	TxBytes  uint64         `json:"tx_bytes"`    // tcp_sock.bytes_acked
	Family   int            `json:"family"`      // 4 or 6
}

// tcpPoll is how long a connection may wait in the ring buffer before the
// reader looks (the program wakes it early only for a batch).
const tcpPoll = 50 * time.Millisecond

// TCPOptions filter what TraceTCP reports.
type TCPOptions struct {
	PID  int // only this process (0: all)
	Port int // only connections with this local or remote port (0: all)
	// Ready, when set, is called once the tracepoint is attached.
	Ready func()
}

// TCPStats summarises a trace.
type TCPStats struct {
	Events   uint64 // connections decoded
	Reported uint64 // passed the filters
	Lost     uint64 // dropped in the kernel: ring buffer full
}

// TraceTCP reports every TCP connection that is born and closes while it
// runs, from the sock:inet_sock_set_state tracepoint through a ring buffer,
// until ctx ends. emit is called from the reading goroutine.
//
// It returns a *PermissionError without the privileges and a
// *UnsupportedError when the tracepoint cannot be attached.
func TraceTCP(ctx context.Context, opts TCPOptions, emit func(Conn)) (st TCPStats, err error) {
	if err := require(need{perf: true}); err != nil {
		return st, err
	}
	if _, _, err := ensureTracefs(); err != nil {
		return st, &UnsupportedError{Hook: "tracepoint sock:inet_sock_set_state", Reason: err.Error()}
	}
	var objs bpf.TcpObjects
	if err := bpf.LoadTcpObjects(&objs, nil); err != nil {
		return st, fmt.Errorf("loading the tcp program: %w", err)
	}
	defer func() { err = errors.Join(err, objs.Close()) }()

	tp, err := link.Tracepoint("sock", "inet_sock_set_state", objs.InetSockSetState, nil)
	if err != nil {
		return st, &UnsupportedError{Hook: "tracepoint sock:inet_sock_set_state", Reason: err.Error()}
	}
	defer func() { err = errors.Join(err, tp.Close()) }() // detach: a failure leaves the hook in place

	rd, err := ringbuf.NewReader(objs.Events)
	if err != nil {
		return st, fmt.Errorf("opening the ring buffer: %w", err)
	}
	defer func() { err = errors.Join(err, rd.Close()) }()

	// The program wakes us only for batches: poll on a short deadline.
	// When ctx ends, Flush makes ReadInto hand over what is left and then
	// return ErrFlushed; Close (deferred) ends a read with ErrClosed. Should
	// the flush fail, the goroutine closes the reader to end the loop and
	// hands the flush error over on stopped.
	done := make(chan struct{})
	defer close(done)
	stopped := make(chan error, 1)
	go func() {
		select {
		case <-ctx.Done():
			err := rd.Flush()
			if err != nil {
				err = errors.Join(fmt.Errorf("flushing the ring buffer: %w", err), rd.Close())
			}
			stopped <- err
		case <-done:
		}
	}()
	if opts.Ready != nil {
		opts.Ready()
	}

	// ktime (CLOCK_MONOTONIC) to wall clock.
	offset := time.Now().UnixNano() - int64(monoNow())
	var rec ringbuf.Record
	comms := make(commCache)
	for {
		rd.SetDeadline(time.Now().Add(tcpPoll))
		if err := rd.ReadInto(&rec); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			if errors.Is(err, ringbuf.ErrFlushed) || errors.Is(err, ringbuf.ErrClosed) {
				break
			}
			return st, fmt.Errorf("reading the ring buffer: %w", err)
		}
		// The record is a struct event in host layout (bpf2go's TcpEvent
		// mirrors it, checked by TestTcpEventLayout): read it in place
		// instead of decoding through reflection.
		if len(rec.RawSample) < int(unsafe.Sizeof(bpf.TcpEvent{})) {
			return st, fmt.Errorf("short tcp event: %d bytes", len(rec.RawSample))
		}
		ev := (*bpf.TcpEvent)(unsafe.Pointer(&rec.RawSample[0]))
		st.Events++
		c := decodeConn(ev, offset, comms)
		if opts.PID != 0 && int(c.PID) != opts.PID {
			continue
		}
		if opts.Port != 0 && int(c.Local.Port()) != opts.Port && int(c.Remote.Port()) != opts.Port {
			continue
		}
		st.Reported++
		emit(c)
	}
	if ctx.Err() != nil {
		// The loop ends on ctx only through the goroutine above: wait for its verdict.
		if err := <-stopped; err != nil {
			return st, err
		}
	}
	st.Lost = sumPerCPU(objs.Lost)
	return st, nil
}

func decodeConn(ev *bpf.TcpEvent, offset int64, comms commCache) Conn {
	c := Conn{
		Time:     time.Unix(0, int64(ev.TsNs)+offset),
		PID:      ev.Pid,
		Comm:     comms.get(&ev.Comm),
		Active:   ev.Active == 1,
		Refused:  ev.Refused == 1,
		Latency:  time.Duration(ev.LatencyNs),
		Lifespan: time.Duration(ev.LifespanNs),
		RxBytes:  ev.RxBytes,
		TxBytes:  ev.TxBytes,
	}
	var src, dst netip.Addr
	if ev.Family == unix.AF_INET {
		c.Family = 4
		src = netip.AddrFrom4([4]byte(ev.Saddr[:4]))
		dst = netip.AddrFrom4([4]byte(ev.Daddr[:4]))
	} else {
		c.Family = 6
		src = netip.AddrFrom16(ev.Saddr)
		dst = netip.AddrFrom16(ev.Daddr)
	}
	c.Local = netip.AddrPortFrom(src, ev.Sport)
	c.Remote = netip.AddrPortFrom(dst, ev.Dport)
	return c
}

// commCache maps the comm arrays of events to strings, so decoding
// allocates once per distinct process name, not once per event.
type commCache map[[16]int8]string

// commCacheMax bounds the cache (emptied when full).
const commCacheMax = 4096

func (cc commCache) get(b *[16]int8) string {
	if s, ok := cc[*b]; ok {
		return s
	}
	if len(cc) >= commCacheMax {
		clear(cc)
	}
	s := cString(b[:])
	cc[*b] = s
	return s
}

// cString converts a NUL-terminated C char array to a string.
func cString(b []int8) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	if n == 0 {
		return ""
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), n))
}
