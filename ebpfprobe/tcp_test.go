package ebpfprobe

import (
	"context"
	"io"
	"net"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/gocap/gocap/ebpfprobe/internal/bpf"
	"github.com/gocap/gocap/internal/testclose"
)

// TestTraceTCP makes connections on 127.0.0.1 and ::1 and a refused one,
// and checks the tracer saw each with the right ports, pid and bytes.
func TestTraceTCP(t *testing.T) {
	noLeak(t, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ready := make(chan struct{})
		var mu sync.Mutex
		var got []Conn
		done := make(chan TCPStats, 1)
		errc := make(chan error, 1)
		go func() {
			st, err := TraceTCP(ctx, TCPOptions{PID: os.Getpid(), Ready: func() { close(ready) }}, func(c Conn) {
				mu.Lock()
				got = append(got, c)
				mu.Unlock()
			})
			done <- st
			errc <- err
		}()
		select {
		case <-ready:
		case err := <-errc:
			t.Fatalf("TraceTCP: %v", err)
		}

		type want struct {
			remote netip.AddrPort
			local  netip.AddrPort
		}
		var wants []want
		for _, network := range []string{"tcp4", "tcp6"} {
			addr := "127.0.0.1:0"
			if network == "tcp6" {
				addr = "[::1]:0"
			}
			ln, err := net.Listen(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					// A failed write shows up as the client's short read below.
					_, _ = c.Write([]byte("hello from server")) // 17 bytes
					_, _ = io.Copy(io.Discard, c)
					_ = c.Close()
				}
			}()
			for i := 0; i < 3; i++ {
				c, err := net.Dial(network, ln.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.Write([]byte("ping")); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 17)
				if _, err := io.ReadFull(c, buf); err != nil {
					t.Fatalf("reading the server's greeting: %v", err)
				}
				wants = append(wants, want{remote: netip.MustParseAddrPort(c.RemoteAddr().String()), local: netip.MustParseAddrPort(c.LocalAddr().String())})
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			}
			defer testclose.OK(t, "listener", ln)
		}
		// A refused connect: a port nobody listens on.
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		refusedAddr := netip.MustParseAddrPort(l.Addr().String())
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if c, err := net.Dial("tcp4", refusedAddr.String()); err == nil {
			_ = c.Close()
			t.Fatal("connect to a closed port succeeded")
		}

		find := func(remote netip.AddrPort, local netip.AddrPort) *Conn {
			mu.Lock()
			defer mu.Unlock()
			for i := range got {
				c := &got[i]
				if c.Active && c.Remote == remote && (!local.IsValid() || c.Local == local) {
					return c
				}
			}
			return nil
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			all := find(refusedAddr, netip.AddrPort{}) != nil
			for _, w := range wants {
				all = all && find(w.remote, w.local) != nil
			}
			if all {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		st := <-done
		if err := <-errc; err != nil {
			t.Fatalf("TraceTCP: %v", err)
		}
		if st.Lost != 0 {
			t.Errorf("lost %d events", st.Lost)
		}
		for _, w := range wants {
			c := find(w.remote, w.local)
			if c == nil {
				t.Errorf("connection %v -> %v not seen", w.local, w.remote)
				continue
			}
			if c.Refused {
				t.Errorf("%v: reported refused", w.remote)
			}
			if c.PID != uint32(os.Getpid()) {
				t.Errorf("%v: pid %d, want %d", w.remote, c.PID, os.Getpid())
			}
			if c.Latency <= 0 || c.Latency > time.Second {
				t.Errorf("%v: connect latency %v", w.remote, c.Latency)
			}
			if c.Lifespan < c.Latency {
				t.Errorf("%v: lifespan %v < latency %v", w.remote, c.Lifespan, c.Latency)
			}
			// The kernel counts in sequence space: SYN and FIN are one byte each.
			if c.RxBytes < 17 || c.RxBytes > 18 || c.TxBytes < 4 || c.TxBytes > 6 {
				t.Errorf("%v: rx %d tx %d bytes, want 17(+FIN) and 4(+SYN+FIN)", w.remote, c.RxBytes, c.TxBytes)
			}
			if wantFam := map[bool]int{true: 4, false: 6}[w.remote.Addr().Is4()]; c.Family != wantFam {
				t.Errorf("%v: family %d", w.remote, c.Family)
			}
		}
		r := find(refusedAddr, netip.AddrPort{})
		if r == nil {
			t.Fatalf("refused connect to %v not seen", refusedAddr)
		}
		if !r.Refused || r.Latency <= 0 {
			t.Errorf("refused connect: refused=%v latency=%v", r.Refused, r.Latency)
		}
	})
}

// TestTcpEventLayout: TraceTCP reads records in place as bpf.TcpEvent; the
// Go struct must have exactly the C struct's size and field offsets.
func TestTcpEventLayout(t *testing.T) {
	spec, err := bpf.LoadTcp()
	if err != nil {
		t.Fatal(err)
	}
	var st *btf.Struct
	if err := spec.Types.TypeByName("event", &st); err != nil {
		t.Fatal(err)
	}
	gt := reflect.TypeOf(bpf.TcpEvent{})
	if uintptr(st.Size) != gt.Size() {
		t.Errorf("size: C %d, Go %d", st.Size, gt.Size())
	}
	var goOffs []uintptr
	for i := 0; i < gt.NumField(); i++ {
		if f := gt.Field(i); f.Name != "_" && f.Type.Size() > 0 { // "_": bpf2go padding
			goOffs = append(goOffs, f.Offset)
		}
	}
	if len(goOffs) != len(st.Members) {
		t.Fatalf("fields: C %d, Go %d", len(st.Members), len(goOffs))
	}
	for i, m := range st.Members {
		if uintptr(m.Offset.Bytes()) != goOffs[i] {
			t.Errorf("field %s: C offset %d, Go %d", m.Name, m.Offset.Bytes(), goOffs[i])
		}
	}
}

func comm(s string) (c [16]int8) {
	for i := 0; i < len(s) && i < len(c); i++ {
		c[i] = int8(s[i])
	}
	return c
}

// TestDecodeConn: addresses, ports and names come out of an event as
// written, also a 16-byte name without NUL, and the name cache gives the
// same answer after it was emptied.
func TestDecodeConn(t *testing.T) {
	ev := bpf.TcpEvent{TsNs: 5, Pid: 42, Sport: 8080, Dport: 50000, Family: unix.AF_INET, Active: 1, Comm: comm("curl")}
	copy(ev.Saddr[:], []byte{127, 0, 0, 1})
	copy(ev.Daddr[:], []byte{10, 1, 2, 3})
	cc := make(commCache)
	c := decodeConn(&ev, 10, cc)
	if c.Comm != "curl" || c.PID != 42 || !c.Active || c.Family != 4 || c.Time.UnixNano() != 15 ||
		c.Local != netip.MustParseAddrPort("127.0.0.1:8080") || c.Remote != netip.MustParseAddrPort("10.1.2.3:50000") {
		t.Errorf("decoded %+v", c)
	}
	ev.Family = unix.AF_INET6
	ev.Saddr = netip.MustParseAddr("::1").As16()
	ev.Comm = comm("0123456789abcdef") // the kernel's full 16 bytes, no NUL
	c = decodeConn(&ev, 0, cc)
	if c.Comm != "0123456789abcdef" || c.Family != 6 || c.Local != netip.MustParseAddrPort("[::1]:8080") {
		t.Errorf("decoded %+v", c)
	}
	for i := 0; i < commCacheMax+10; i++ {
		ev.Comm = comm(strconv.Itoa(i))
		if got := decodeConn(&ev, 0, cc).Comm; got != strconv.Itoa(i) {
			t.Fatalf("comm %d: got %q", i, got)
		}
	}
	if len(cc) > commCacheMax {
		t.Errorf("name cache grew to %d entries (max %d)", len(cc), commCacheMax)
	}
	ev.Comm = comm("")
	if got := decodeConn(&ev, 0, cc).Comm; got != "" {
		t.Errorf("empty comm: got %q", got)
	}
}

// BenchmarkDecodeConn: the Go side of one tcp event (allocations: 0 once
// the process name is cached).
func BenchmarkDecodeConn(b *testing.B) {
	ev := bpf.TcpEvent{Pid: 42, Sport: 8080, Dport: 50000, Family: unix.AF_INET, Comm: comm("gocap")}
	copy(ev.Saddr[:], []byte{127, 0, 0, 1})
	cc := make(commCache)
	b.ReportAllocs()
	var sink int
	for b.Loop() {
		sink += len(decodeConn(&ev, 0, cc).Comm)
	}
	if sink == 0 {
		b.Fatal("no names decoded")
	}
}
