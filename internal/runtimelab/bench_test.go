package runtimelab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/internal/loadgen"
)

// The benchmarks below are `make bench-runtime`'s (mk/runtime.mk): it builds
// gocap and the vegeta CLI (from the module proxy, into a cache outside the
// clone) and passes them in GOCAP_BIN and VEGETA_BIN. Each runs once
// (-benchtime 1x) and prints its figures side by side.

func sampleURL(b *testing.B) string {
	b.Helper()
	bin, err := BuildSample(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	addr, err := freeAddr()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-addr", addr)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) // stopped on purpose
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close() // a readiness probe
			break
		}
		if i > 200 {
			b.Fatalf("the sample service did not listen on %s", addr)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return "http://" + addr + "/api/items?id=42"
}

// run runs a command and returns its stdout, stderr and CPU time (user+sys).
func run(b *testing.B, stdin string, name string, args ...string) ([]byte, []byte, time.Duration) {
	b.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %v: %v\n%s", name, args, err, errOut.String())
	}
	return out.Bytes(), errOut.Bytes(), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// BenchmarkRuntimeLoadVsVegeta: gocap load and the vegeta CLI at the same
// rate against the same sample service, alternating, 3 rounds: achieved
// rate and CPU per request (the load process's user+sys), medians.
func BenchmarkRuntimeLoadVsVegeta(b *testing.B) {
	gocap, vegeta := os.Getenv("GOCAP_BIN"), os.Getenv("VEGETA_BIN")
	if gocap == "" || vegeta == "" {
		b.Skip("run through make bench-runtime (GOCAP_BIN and VEGETA_BIN)")
	}
	url := sampleURL(b)
	const rate, dur, rounds = 2000, "3s", 3
	var gRate, vRate, gCPU, vCPU []float64
	for range b.N {
		for r := 0; r < rounds; r++ {
			out, _, cpu := run(b, "", gocap, "load", url, "--rate", strconv.Itoa(rate), "-d", dur, "--json")
			var g struct {
				Summary struct {
					Requests     float64 `json:"requests"`
					RateAchieved float64 `json:"rate_achieved"`
				} `json:"summary"`
			}
			if err := json.Unmarshal(out, &g); err != nil {
				b.Fatal(err)
			}
			gRate = append(gRate, g.Summary.RateAchieved)
			gCPU = append(gCPU, float64(cpu.Microseconds())/g.Summary.Requests)

			res := filepath.Join(b.TempDir(), "results.bin")
			_, _, cpu = run(b, "GET "+url+"\n", vegeta, "attack", "-rate", strconv.Itoa(rate), "-duration", dur, "-output", res)
			rep, _, _ := run(b, "", vegeta, "report", "-type", "json", res)
			var v struct {
				Requests float64 `json:"requests"`
				Rate     float64 `json:"rate"`
			}
			if err := json.Unmarshal(rep, &v); err != nil {
				b.Fatal(err)
			}
			vRate = append(vRate, v.Rate)
			vCPU = append(vCPU, float64(cpu.Microseconds())/v.Requests)
		}
	}
	gr, vr, gc, vc := median(gRate), median(vRate), median(gCPU), median(vCPU)
	fmt.Printf("\ngocap load vs vegeta attack, %d req/s for %s against the sample service, median of %d alternating rounds (load average %s):\n", rate, dur, rounds, loadavg())
	fmt.Printf("  %-22s %12s %12s %8s\n", "", "gocap load", "vegeta", "ratio")
	fmt.Printf("  %-22s %12.0f %12.0f %8.2f\n", "achieved rate (req/s)", gr, vr, gr/vr)
	fmt.Printf("  %-22s %12.1f %12.1f %8.2f\n", "CPU per request (µs)", gc, vc, gc/vc)
	b.ReportMetric(gr/vr, "rate-ratio")
	b.ReportMetric(gc/vc, "cpu-ratio")
}

// BenchmarkRuntimeGCTracerOverhead: the GC test program alone and under
// gocap ebpf gc, alternating, 5 rounds: its own wall time and GC count.
func BenchmarkRuntimeGCTracerOverhead(b *testing.B) {
	gocap := os.Getenv("GOCAP_BIN")
	if gocap == "" {
		b.Skip("run through make bench-runtime (GOCAP_BIN)")
	}
	prog := filepath.Join(b.TempDir(), "gcprog")
	if out, err := exec.Command("go", "build", "-o", prog, "../../ebpfprobe/testdata/gcprog").CombinedOutput(); err != nil {
		b.Fatalf("building gcprog: %v\n%s", err, out)
	}
	args := []string{"-gcs", "300", "-memstats", "0", "-alloc", "256"}
	type rep struct {
		NumGC    float64 `json:"num_gc"`
		Duration float64 `json:"duration_ns"`
	}
	parse := func(out []byte) rep {
		for _, l := range bytes.Split(out, []byte("\n")) {
			var r rep
			if json.Unmarshal(l, &r) == nil && r.Duration > 0 {
				return r
			}
		}
		b.Fatalf("no gcprog report in %q", out)
		return rep{}
	}
	var plainT, tracedT, plainGC, tracedGC []float64
	const rounds = 5
	for range b.N {
		for r := 0; r < rounds; r++ {
			out, _, _ := run(b, "", prog, args...)
			p := parse(out)
			plainT, plainGC = append(plainT, p.Duration/1e6), append(plainGC, p.NumGC)
			_, errOut, _ := run(b, "", gocap, append([]string{"ebpf", "gc", "--json", "--", prog}, args...)...)
			t := parse(errOut) // the traced command's stdout goes to gocap's stderr
			tracedT, tracedGC = append(tracedT, t.Duration/1e6), append(tracedGC, t.NumGC)
		}
	}
	pt, tt := median(plainT), median(tracedT)
	fmt.Printf("\neBPF GC tracer overhead on its target (gcprog %s), median of %d alternating rounds (load average %s):\n", strings.Join(args, " "), rounds, loadavg())
	fmt.Printf("  %-22s %12s %12s %8s\n", "", "alone", "traced", "ratio")
	fmt.Printf("  %-22s %12.0f %12.0f %8.2f\n", "wall time (ms)", pt, tt, tt/pt)
	fmt.Printf("  %-22s %12.0f %12.0f %8.2f\n", "GC cycles", median(plainGC), median(tracedGC), median(tracedGC)/median(plainGC))
	b.ReportMetric(tt/pt, "wall-ratio")
}

// BenchmarkRuntimeHighestRate: the highest rate gocap load holds against the
// sample service with p99 under 10 ms (≥ 95% of the rate achieved, ≥ 99%
// ok), stepping up 2 s at a time until two rates in a row fail.
func BenchmarkRuntimeHighestRate(b *testing.B) {
	if os.Getenv("GOCAP_BIN") == "" {
		b.Skip("run through make bench-runtime")
	}
	url := sampleURL(b)
	best := 0
	fmt.Printf("\ngocap load against the sample service, 2 s per rate (load average %s):\n", loadavg())
	fmt.Printf("  %10s %10s %10s %10s  %s\n", "asked/s", "achieved/s", "p99", "max", "held (p99 < 10 ms)")
	for range b.N {
		fails := 0
		for _, rate := range []int{100, 250, 500, 1000, 2000, 3000, 5000, 8000, 10000, 15000, 20000} {
			res, err := loadgen.Run(context.Background(), loadgen.Options{URL: url, Rate: rate, Duration: 2 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			held := res.RateAchieved >= 0.95*float64(rate) && res.Latency.P99 < 10*time.Millisecond && res.Success >= 0.99
			fmt.Printf("  %10d %10.0f %10s %10s  %v\n", rate, res.RateAchieved, res.Latency.P99.Round(10*time.Microsecond), res.Latency.Max.Round(10*time.Microsecond), held)
			if held {
				best, fails = rate, 0
			} else if fails++; fails == 2 {
				break
			}
		}
	}
	fmt.Printf("  highest rate held: %d req/s\n", best)
	b.ReportMetric(float64(best), "req/s-held")
}
