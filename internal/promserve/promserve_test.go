package promserve

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestExp2Buckets(t *testing.T) {
	b := Exp2Buckets(0, 3, 1e-6)
	want := []float64{1e-6, 2e-6, 4e-6, 8e-6}
	if len(b) != len(want) {
		t.Fatalf("%v", b)
	}
	for i := range b {
		if b[i] != want[i] {
			t.Errorf("bucket %d = %g, want %g", i, b[i], want[i])
		}
	}
	if len(LatencyBuckets) != 27 || LatencyBuckets[26] != float64(1<<26)*1e-6 {
		t.Errorf("latency buckets %v", LatencyBuckets)
	}
}

// TestServeScrape: a histogram served on :0 scrapes and parses as the
// Prometheus text format, with its exp2 buckets cumulative.
func TestServeScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "x_seconds", Help: "x", Buckets: Exp2Buckets(0, 4, 1e-6)})
	reg.MustRegister(h)
	h.Observe(3e-6)
	h.Observe(10e-6)
	s, err := Listen("127.0.0.1:0", reg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	fams, err := Scrape("http://" + s.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	f := fams["x_seconds"]
	if f == nil || len(f.Metric) != 1 {
		t.Fatalf("families %v", fams)
	}
	hist := f.Metric[0].Histogram
	if hist.GetSampleCount() != 2 || len(hist.Bucket) < 5 {
		t.Fatalf("histogram %v", hist)
	}
	// le 4µs holds the 3 µs sample; le 16µs both.
	if hist.Bucket[2].GetUpperBound() != 4e-6 || hist.Bucket[2].GetCumulativeCount() != 1 || hist.Bucket[4].GetCumulativeCount() != 2 {
		t.Errorf("buckets %v", hist.Bucket)
	}
	if _, err := Listen(s.Addr, reg); err == nil {
		t.Error("a second Listen on a used address succeeded")
	}
}
