// Package promserve serves gocap's live histograms (ebpf tcp, ebpf gc,
// load) to Prometheus with client_golang. Buckets are powers of two as
// cloudflare/ebpf_exporter's exp2 histograms are (le = 2^k × multiplier),
// so a Grafana heatmap of the bucket rates reads like a bcc log2 histogram.
package promserve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Exp2Buckets returns the upper bounds 2^min … 2^max, each times mult: for
// a latency in seconds measured in µs steps, mult is 1e-6.
func Exp2Buckets(minExp, maxExp int, mult float64) []float64 {
	out := make([]float64, 0, maxExp-minExp+1)
	for k := minExp; k <= maxExp; k++ {
		out = append(out, float64(uint64(1)<<k)*mult)
	}
	return out
}

// LatencyBuckets: 1 µs to 2^26 µs (≈ 67 s), exp2, in seconds.
var LatencyBuckets = Exp2Buckets(0, 26, 1e-6)

// Server is a running /metrics endpoint.
type Server struct {
	// Addr is the address it listens on (the port resolved when ADDR
	// asked for :0).
	Addr string
	srv  *http.Server
	done chan error
}

// Listen opens addr (host:port) and serves reg at /metrics until Close.
// It fails at once when addr cannot be listened on, so a command can
// report a bad --metrics before it starts its work.
func Listen(addr string, reg *prometheus.Registry) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	s := &Server{Addr: ln.Addr().String(), srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, done: make(chan error, 1)}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Close stops serving (an in-flight scrape gets a second to finish).
func (s *Server) Close() error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil {
		err = errors.Join(err, fmt.Errorf("metrics endpoint: %w", serr))
	}
	return err
}
