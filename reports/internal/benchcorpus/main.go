// Command benchcorpus writes the same benchmark samples twice — as Go
// benchmark text for benchstat and as gocap reports for gocap report diff —
// so make bench-reports can time the two tools on identical input.
//
//	go run ./reports/internal/benchcorpus DIR
package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/gocap/gocap/reports"
)

const (
	benchmarks = 200
	runs       = 10
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchcorpus DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	rng := rand.New(rand.NewPCG(1, 2))
	for _, side := range []struct {
		name   string
		factor float64
	}{{"old", 1}, {"new", 1.03}} {
		rep := &reports.Report{SchemaVersion: reports.SchemaVersion, Tool: reports.Tool{Name: "gocap", Version: "bench"},
			Module: "example.com/bench", Started: time.Unix(0, 0).UTC(), Checks: []reports.Check{}}
		var w bytes.Buffer
		fmt.Fprintf(&w, "goos: linux\ngoarch: amd64\npkg: example.com/bench\n")
		for i := 0; i < benchmarks; i++ {
			b := reports.Benchmark{Package: "example.com/bench", Name: fmt.Sprintf("BenchmarkF%03d", i), Runs: runs}
			for r := 0; r < runs; r++ {
				ns := (100 + float64(i)) * side.factor * (1 + 0.02*rng.NormFloat64())
				allocs := float64(i%7) * side.factor
				s := reports.BenchRun{Iterations: 1000000, NsPerOp: ns, BytesPerOp: allocs * 16, AllocsPerOp: allocs}
				b.Samples = append(b.Samples, s)
				fmt.Fprintf(&w, "%s-2\t%d\t%.2f ns/op\t%.0f B/op\t%.0f allocs/op\n", b.Name, s.Iterations, s.NsPerOp, s.BytesPerOp, s.AllocsPerOp)
			}
			rep.Benchmarks = append(rep.Benchmarks, b)
		}
		if err := os.WriteFile(filepath.Join(dir, side.name+".txt"), w.Bytes(), 0o644); err != nil {
			fail(err)
		}
		var js bytes.Buffer
		if err := reports.WriteJSON(&js, rep); err != nil {
			fail(err)
		}
		if err := os.WriteFile(filepath.Join(dir, side.name+".json"), js.Bytes(), 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchcorpus:", err)
	os.Exit(1)
}
