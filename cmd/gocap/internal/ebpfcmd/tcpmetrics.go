package ebpfcmd

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/promserve"
)

// tcpMetrics is `ebpf tcp --metrics`: connect latency of active opens as an
// exp2 histogram and connections by direction and outcome.
type tcpMetrics struct {
	srv     *promserve.Server
	latency prometheus.Histogram
	conns   *prometheus.CounterVec
}

// newTCPMetrics listens on addr; with addr empty it returns a no-op value.
func newTCPMetrics(addr string, ios *iostreams.IOStreams) (*tcpMetrics, error) {
	if addr == "" {
		return nil, nil
	}
	reg := prometheus.NewRegistry()
	m := &tcpMetrics{
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "gocap_tcp_connect_latency_seconds", Help: "TCP connect latency (SYN_SENT → ESTABLISHED or → CLOSE when refused).",
			Buckets: promserve.LatencyBuckets,
		}),
		conns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gocap_tcp_connections_total", Help: "TCP connections seen closing, by direction and whether the connect was refused.",
		}, []string{"active", "refused"}),
	}
	reg.MustRegister(m.latency, m.conns)
	srv, err := listenMetrics(addr, reg, ios)
	if err != nil {
		return nil, err
	}
	m.srv = srv
	return m, nil
}

func (m *tcpMetrics) observe(c ebpfprobe.Conn) {
	if m == nil {
		return
	}
	m.conns.WithLabelValues(strconv.FormatBool(c.Active), strconv.FormatBool(c.Refused)).Inc()
	if c.Active {
		m.latency.Observe(c.Latency.Seconds())
	}
}

// Addr is where the endpoint listens ("" without --metrics).
func (m *tcpMetrics) Addr() string {
	if m == nil {
		return ""
	}
	return m.srv.Addr
}

func (m *tcpMetrics) close() {
	if m != nil {
		_ = m.srv.Close() // the trace is already printed; a shutdown error is moot
	}
}
