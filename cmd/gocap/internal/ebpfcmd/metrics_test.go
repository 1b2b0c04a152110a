package ebpfcmd

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/promserve"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// scrapeUntil scrapes url until cond holds for the families or 5 s pass,
// and returns the last families (nil on a scrape error).
func scrapeUntil(url string, cond func(map[string]*dto.MetricFamily) bool) (map[string]*dto.MetricFamily, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		fams, err := promserve.Scrape(url)
		if err == nil && cond(fams) || time.Now().After(deadline) {
			return fams, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func histCount(f *dto.MetricFamily) uint64 {
	var n uint64
	if f != nil {
		for _, m := range f.Metric {
			n += m.GetHistogram().GetSampleCount()
		}
	}
	return n
}

// TestTCPMetrics: ebpf tcp --metrics serves the connect latency histogram
// and the connection counter while it traces; the scrape parses.
func TestTCPMetrics(t *testing.T) {
	leakFree(t, func() {
		ln := serve(t, "tcp4", "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		addr := freeAddr(t)
		ios, _, _, _ := iostreams.Test()
		var fams map[string]*dto.MetricFamily
		var scrapeErr error
		got := make(chan struct{})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		o := &TCPOptions{IO: ios, Port: port, Metrics: addr, Ready: func() {
			go func() {
				defer close(got)
				for i := 0; i < 5; i++ {
					if c, err := net.Dial("tcp4", ln.Addr().String()); err == nil {
						_ = c.Close() // the traced events are the connect and the close
					}
				}
				fams, scrapeErr = scrapeUntil("http://"+addr+"/metrics", func(f map[string]*dto.MetricFamily) bool {
					return histCount(f["gocap_tcp_connect_latency_seconds"]) >= 5
				})
				cancel()
			}()
		}}
		if err := RunTCP(ctx, o); err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		<-got
		if scrapeErr != nil {
			t.Fatal(scrapeErr)
		}
		if n := histCount(fams["gocap_tcp_connect_latency_seconds"]); n < 5 {
			t.Errorf("connect latency histogram holds %d, want ≥ 5", n)
		}
		var conns float64
		if f := fams["gocap_tcp_connections_total"]; f != nil {
			for _, m := range f.Metric {
				conns += m.GetCounter().GetValue()
			}
		}
		if conns < 10 { // 5 active + 5 passive ends
			t.Errorf("connections counted %v, want ≥ 10", conns)
		}
	})
}

// TestGCMetrics: ebpf gc --metrics serves the pause histogram by reason.
func TestGCMetrics(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "gcprog")
	if out, err := exec.Command("go", "build", "-o", prog, "../../../../ebpfprobe/testdata/gcprog").CombinedOutput(); err != nil {
		t.Fatalf("building gcprog: %v\n%s", err, out)
	}
	leakFree(t, func() {
		ios, _, _, _ := iostreams.Test()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var fams map[string]*dto.MetricFamily
		var scrapeErr error
		got := make(chan struct{})
		o := &GCOptions{IO: ios, Cmd: []string{prog, "-gcs", "5", "-memstats", "1", "-alloc", "1", "-loop", "15s"}, Metrics: "127.0.0.1:0",
			Ready: func(_ int, addr string) {
				go func() {
					defer close(got)
					fams, scrapeErr = scrapeUntil("http://"+addr+"/metrics", func(f map[string]*dto.MetricFamily) bool {
						return histCount(f["gocap_gc_pause_seconds"]) >= 20
					})
					cancel()
				}()
			}}
		if err := RunGC(ctx, o); err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		<-got
		if scrapeErr != nil {
			t.Fatal(scrapeErr)
		}
		f := fams["gocap_gc_pause_seconds"]
		if histCount(f) < 20 {
			t.Fatalf("pause histogram %v", f)
		}
		kinds := map[string]bool{}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if l.GetName() == "kind" {
					kinds[l.GetValue()] = true
				}
			}
			if b := m.GetHistogram().Bucket; len(b) < 27 || b[0].GetUpperBound() != 1e-6 {
				t.Errorf("buckets %v, want exp2 from 1µs", b)
			}
		}
		if !kinds["gc"] || !kinds["other"] {
			t.Errorf("kinds %v, want gc and other", kinds)
		}
	})
}
