package checks

import (
	"strings"
	"testing"
)

// TestBenchCustomMetrics: a benchmark that reports only b.ReportMetric
// units (no ns/op) keeps them, as the median of its runs; ns/op stays 0
// (not reported) rather than hiding them.
func TestBenchCustomMetrics(t *testing.T) {
	in := "BenchmarkFrames-2 100 12 frames/op 3 MB/s\nBenchmarkFrames-2 100 14 frames/op 5 MB/s\nBenchmarkFrames-2 100 13 frames/op 4 MB/s\nBenchmarkPlain-2 10 5 ns/op 3 B/op 1 allocs/op\n"
	bs := parseBenchmarks("p", strings.NewReader(in))
	if len(bs) != 2 {
		t.Fatalf("benchmarks = %+v", bs)
	}
	f, plain := bs[0], bs[1]
	if f.Name != "BenchmarkFrames" || f.NsPerOp != 0 || len(f.Metrics) != 2 ||
		f.Metrics[0].Unit != "frames/op" || f.Metrics[0].Value != 13 || f.Metrics[1].Unit != "B/s" || f.Metrics[1].Value != 4e6 { // benchfmt reads MB/s as B/s
		t.Errorf("custom-metric benchmark = %+v", f)
	}
	if len(plain.Metrics) != 0 {
		t.Errorf("ns/op, B/op and allocs/op are not custom metrics: %+v", plain.Metrics)
	}
}
