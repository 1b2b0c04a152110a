package mtls

import (
	"context"
	"testing"
	"time"
)

// TestRunBenchThroughRotations: a short run with a short TTL must pass at
// least five rotations with no failed handshake.
func TestRunBenchThroughRotations(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := RunBench(ctx, BenchOptions{Rate: 50, Duration: 11 * time.Second, SVIDTTL: 4 * time.Second, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Failed != 0 {
		t.Errorf("%d failed handshakes: %v", res.Failed, res.Errors)
	}
	if res.Rotations() < 5 {
		t.Errorf("rotations seen: server %d client %d, want >= 5", res.ServerRotations, res.ClientRotations)
	}
	if res.IssuerRotations < 2*5 {
		t.Errorf("issuer rotations %d (two identities): want >= 10", res.IssuerRotations)
	}
	if res.Attempted != 550 || res.Succeeded != res.Attempted {
		t.Errorf("%d of %d handshakes succeeded, want 550 (50/s for 11s)", res.Succeeded, res.Attempted)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
		t.Errorf("latencies p50 %v p99 %v max %v", res.P50, res.P99, res.Max)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i))
	}
	if p := percentile(ds, 0.5); p != 50 {
		t.Errorf("p50 %v", p)
	}
	if p := percentile(ds, 0.99); p != 99 {
		t.Errorf("p99 %v", p)
	}
	if p := percentile(ds, 1); p != 100 {
		t.Errorf("max %v", p)
	}
	if p := percentile(nil, 0.5); p != 0 {
		t.Errorf("empty %v", p)
	}
}
