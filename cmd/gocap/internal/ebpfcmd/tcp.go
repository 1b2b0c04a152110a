package ebpfcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
)

// TCPOptions of gocap ebpf tcp.
type TCPOptions struct {
	IO       *iostreams.IOStreams
	Duration time.Duration
	PID      int
	Port     int
	JSON     bool
	Metrics  string // --metrics ADDR: see tcpmetrics.go
	// Ready is called once the tracer is attached (tests, the lab).
	Ready func()
}

// NewTCPCmd builds `gocap ebpf tcp`.
func NewTCPCmd(ios *iostreams.IOStreams, runF func(context.Context, *TCPOptions) error) *cobra.Command {
	o := &TCPOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "tcp",
		Short: "Trace TCP connection lifecycles (sock:inet_sock_set_state tracepoint)",
		Long: `Trace every TCP connection that opens and closes while gocap watches, from the
sock:inet_sock_set_state tracepoint (no kprobes) through a ring buffer: pid and
command, local and remote address and port (IPv4 and IPv6), connect latency
(SYN_SENT → ESTABLISHED, or → CLOSE for a refused connect), lifespan, and bytes
received/acked at close. One line per connection as it closes; at the end a
log2 histogram of connect latency (bcc's layout) and a heatmap over time.

--json streams one JSON object per connection instead.`,
		Example: `  gocap ebpf tcp --duration 10s
  gocap ebpf tcp --port 443 --json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := checkDuration("duration", o.Duration); err != nil {
				return err
			}
			if o.PID < 0 {
				return cmdutil.Usagef("--pid %d: must be a process id", o.PID)
			}
			if o.Port < 0 || o.Port > 65535 {
				return cmdutil.Usagef("--port %d: must be 1-65535", o.Port)
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return RunTCP(c.Context(), o)
		},
	}
	cmd.Flags().DurationVarP(&o.Duration, "duration", "d", 0, "stop after this long (default: until Ctrl-C)")
	cmd.Flags().IntVar(&o.PID, "pid", 0, "only connections of this process")
	cmd.Flags().IntVar(&o.Port, "port", 0, "only connections with this local or remote port")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "one JSON object per connection")
	cmd.Flags().StringVar(&o.Metrics, "metrics", "", "serve connect latency and connection counts for Prometheus at ADDR/metrics (e.g. :9100)")
	return cmd
}

// RunTCP traces until the duration ends or Ctrl-C, then prints the summary.
func RunTCP(ctx context.Context, o *TCPOptions) error {
	tm, err := newTCPMetrics(o.Metrics, o.IO)
	if err != nil {
		return err
	}
	defer tm.close()
	ctx, cancel := withDuration(ctx, o.Duration)
	defer cancel()
	out := errwriter.New(o.IO.Out)
	var mu sync.Mutex
	var lat []uint64
	var pts []heatPoint
	var n, refused int
	enc := json.NewEncoder(out)
	var encErr error // the first failed JSON line, reported after the trace
	header := false
	layout := newTCPLayout(o.IO.Width(), o.IO.IsStdoutTTY())
	st, err := ebpfprobe.TraceTCP(ctx, ebpfprobe.TCPOptions{PID: o.PID, Port: o.Port, Ready: func() {
		o.IO.Statusf("tracing TCP connections (sock:inet_sock_set_state)... Ctrl-C to stop\n")
		if o.Ready != nil {
			o.Ready()
		}
	}}, func(c ebpfprobe.Conn) {
		tm.observe(c)
		mu.Lock()
		defer mu.Unlock()
		n++
		if c.Refused {
			refused++
		}
		if c.Active {
			us := uint64(c.Latency.Microseconds())
			lat = append(lat, us)
			pts = append(pts, heatPoint{at: c.Time, value: us})
		}
		if o.JSON {
			if err := enc.Encode(c); err != nil && encErr == nil {
				encErr = err
			}
			return
		}
		if !header {
			out.Printf("%s", layout.header())
			header = true
		}
		out.Printf("%s", layout.row(c))
	})
	if err != nil {
		return mapErr("tcp", err)
	}
	if o.JSON {
		return encErr
	}
	out.Printf("\n%s (%d refused), %d lost\n", plural(n, "connection"), refused, st.Lost)
	if len(lat) > 0 {
		slots := make([]uint64, 64)
		for _, v := range lat {
			slots[log2Slot(v)]++
		}
		out.Println("\nconnect latency (SYN_SENT → ESTABLISHED / refused):")
		printLog2Hist(out, "usecs", slots)
		out.Println()
		printHeatmap(out, "usecs", pts, o.IO.Width())
	}
	return out.Err()
}

// tcpLayout formats the connection table. Piped, a row is one line with
// columns wide enough for any IPv6 endpoint (for grep and awk). On a
// terminal the address columns shrink to the width; when even an IPv4
// endpoint would not fit, the endpoints go on a second, indented line.
type tcpLayout struct {
	addrW   int  // width of LOCAL and REMOTE
	twoLine bool // endpoints on their own line
}

const (
	tcpFixedW = 77 // every column but the two endpoints, with separators
	addrMaxW  = 39 // [ffff:…:ffff]:65535 with a zone-less IPv6 address
	addrMinW  = 21 // 255.255.255.255:65535
)

func newTCPLayout(width int, tty bool) tcpLayout {
	if !tty {
		return tcpLayout{addrW: addrMaxW}
	}
	a := min((width-tcpFixedW)/2, addrMaxW)
	if a < addrMinW {
		return tcpLayout{twoLine: true}
	}
	return tcpLayout{addrW: a}
}

func (l tcpLayout) header() string {
	if l.twoLine {
		return fmt.Sprintf("%-12s %-7s %-15s %9s %10s %8s %8s\n%13sLOCAL → REMOTE\n", "TIME", "PID", "COMM", "LAT(ms)", "LIFE(ms)", "RX_B", "TX_B", "")
	}
	return fmt.Sprintf("%-12s %-7s %-15s %-*s %-*s %9s %10s %8s %8s\n", "TIME", "PID", "COMM", l.addrW, "LOCAL", l.addrW, "REMOTE", "LAT(ms)", "LIFE(ms)", "RX_B", "TX_B")
}

func (l tcpLayout) row(c ebpfprobe.Conn) string {
	lat := fmt.Sprintf("%.3f", float64(c.Latency)/1e6)
	if !c.Active {
		lat = "-"
	}
	mark := ""
	if c.Refused {
		mark = "  REFUSED" // after the columns, so they stay aligned
	}
	life := float64(c.Lifespan) / 1e6
	at := c.Time.Format("15:04:05.000")
	if l.twoLine {
		return fmt.Sprintf("%-12s %-7d %-15s %9s %10.3f %8d %8d%s\n%13s%s → %s\n", at, c.PID, c.Comm, lat, life, c.RxBytes, c.TxBytes, mark, "", c.Local, c.Remote)
	}
	return fmt.Sprintf("%-12s %-7d %-15s %-*s %-*s %9s %10.3f %8d %8d%s\n", at, c.PID, c.Comm, l.addrW, c.Local, l.addrW, c.Remote, lat, life, c.RxBytes, c.TxBytes, mark)
}
