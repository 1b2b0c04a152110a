// Command benchwasm is `make bench-wasm`: gocap's WebAssembly numbers side
// by side with the reference runtimes, in one run.
//
//   - compile of hello.wasm: cold (empty cache) vs cached (file cache)
//   - warm start of hello.wasm as a process: gocap wasm run vs
//     `wazero run -cachedir` (the wazero CLI, a go tool dependency) vs
//     Node.js's node:wasi, each with its cache warm
//   - plugin call overhead for a small input (goal: at most 1 µs)
//   - the whole hostile set's wall time
//
// Usage: go run ./wasmrun/internal/benchwasm [-gocap bin/gocap] [-n 15]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/wasmrun"
	"github.com/gocap/gocap/wasmrun/internal/samples"
	"github.com/gocap/gocap/wasmrun/wasmlab"
)

const nodeRunner = `import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv } from 'node:process';
const wasi = new WASI({ version: 'preview1', args: argv.slice(2), env: {}, returnOnExit: true });
const mod = await WebAssembly.compile(await readFile(argv[2]));
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
process.exitCode = wasi.start(inst);
`

func main() {
	gocapBin := flag.String("gocap", "bin/gocap", "the gocap binary to time")
	n := flag.Int("n", 31, "runs per process measurement (median reported)")
	flag.Parse()
	if err := run(*gocapBin, *n); err != nil {
		fmt.Fprintln(os.Stderr, "bench-wasm:", err)
		os.Exit(1)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%8.2f ms", float64(d.Microseconds())/1000) }

func run(gocapBin string, n int) (err error) {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "bench-wasm-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(tmp)) }()
	hello := filepath.Join(tmp, "hello.wasm")
	if err := os.WriteFile(hello, samples.Hello, 0o644); err != nil {
		return err
	}
	fmt.Printf("bench-wasm: hello.wasm %d bytes, plugin.wasm %d bytes, %d runs each (median)\n\n", len(samples.Hello), len(samples.Plugin), n)

	// 1. Compile: cold vs cached.
	var cold, cached []time.Duration
	for i := range 3 {
		dir := filepath.Join(tmp, fmt.Sprintf("cold%d", i))
		cfg := wasmrun.NewConfig().WithCacheDir(dir)
		st, err := wasmrun.Run(ctx, samples.Hello, cfg, wasmrun.RunOptions{})
		if err != nil {
			return err
		}
		cold = append(cold, st.Compile)
		for range 3 {
			st, err := wasmrun.Run(ctx, samples.Hello, cfg, wasmrun.RunOptions{})
			if err != nil {
				return err
			}
			cached = append(cached, st.Compile)
		}
	}
	fmt.Println("compile hello.wasm (compiler engine)")
	fmt.Printf("  cold (empty cache)      %s\n", ms(median(cold)))
	fmt.Printf("  cached (file cache)     %s   %.0fx faster\n\n", ms(median(cached)), float64(median(cold))/float64(median(cached)))

	// 2. Warm start as a process.
	wazeroBin := filepath.Join(tmp, "wazero")
	if out, err := exec.Command("go", "build", "-o", wazeroBin, "github.com/tetratelabs/wazero/cmd/wazero").CombinedOutput(); err != nil {
		return fmt.Errorf("build the wazero CLI (go tool dependency): %w\n%s", err, out)
	}
	runner := filepath.Join(tmp, "wasi.mjs")
	if err := os.WriteFile(runner, []byte(nodeRunner), 0o644); err != nil {
		return err
	}
	gc, wc := filepath.Join(tmp, "gocap-cache"), filepath.Join(tmp, "wazero-cache")
	type contender struct {
		name string
		argv []string
	}
	cs := []contender{
		{"gocap wasm run", []string{gocapBin, "wasm", "run", "--cache-dir", gc, hello, "--", "bench"}},
		{"wazero run -cachedir", []string{wazeroBin, "run", "-cachedir", wc, hello, "bench"}},
		{"node node:wasi", []string{"node", "--no-warnings", runner, hello, "bench"}},
	}
	times := map[string]time.Duration{}
	var avail []contender
	for _, c := range cs {
		if _, err := exec.LookPath(c.argv[0]); err != nil {
			fmt.Printf("  %-24s skipped: %v\n", c.name, err)
			continue
		}
		avail = append(avail, c)
	}
	cs = avail
	for _, c := range cs {
		if out, err := exec.Command(c.argv[0], c.argv[1:]...).CombinedOutput(); err != nil || !strings.Contains(string(out), "hello, bench") {
			if err == nil {
				return fmt.Errorf("%s: no greeting in %q", c.name, out)
			}
			return fmt.Errorf("%s: %w: %s", c.name, err, out) // also warms the cache
		}
	}
	var samplesBy = map[string][]time.Duration{}
	for i := range n { // interleaved and rotated, so drift and order hit every contender alike
		for j := range cs {
			c := cs[(i+j)%len(cs)]
			t := time.Now()
			if err := exec.Command(c.argv[0], c.argv[1:]...).Run(); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			samplesBy[c.name] = append(samplesBy[c.name], time.Since(t))
		}
	}
	fmt.Println("warm start of hello.wasm as a process (warm cache, wall time: median, min)")
	for _, c := range cs {
		times[c.name] = median(samplesBy[c.name])
	}
	g := times[cs[0].name]
	for _, c := range cs {
		ratio := ""
		if c.name != cs[0].name {
			ratio = fmt.Sprintf("   gocap is %.2fx its time", float64(g)/float64(times[c.name]))
		}
		fmt.Printf("  %-24s%s %s%s\n", c.name, ms(times[c.name]), ms(slices.Min(samplesBy[c.name])), ratio)
	}
	inproc := testing.Benchmark(func(b *testing.B) {
		cfg := wasmrun.NewConfig().WithCacheDir(gc)
		for b.Loop() {
			if _, err := wasmrun.Run(ctx, samples.Hello, cfg, wasmrun.RunOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	fmt.Printf("  %-24s%s   (wasmrun.Run in process, cache warm)\n\n", "gocap library", ms(time.Duration(inproc.NsPerOp())))

	// 3. Plugin call overhead.
	p, err := wasmrun.Load(ctx, samples.Plugin, wasmrun.NewConfig().WithCacheDir(gc))
	if err != nil {
		return err
	}
	in := []byte(`{"a":1}`)
	call := func(ctx context.Context, fn string) testing.BenchmarkResult {
		return testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Call(ctx, fn, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	echo, echoCancel, compact := call(ctx, "echo"), call(cctx, "echo"), call(ctx, "compact")
	if err := p.Close(ctx); err != nil {
		return err
	}
	fmt.Println("plugin call, 7-byte input (30 s per-call timeout armed; goal <= 1 µs)")
	fmt.Printf("  echo                    %8d ns   %d allocs\n", echo.NsPerOp(), echo.AllocsPerOp())
	fmt.Printf("  echo, cancellable ctx   %8d ns   %d allocs\n", echoCancel.NsPerOp(), echoCancel.AllocsPerOp())
	fmt.Printf("  compact (JSON work)     %8d ns   %d allocs\n\n", compact.NsPerOp(), compact.AllocsPerOp())

	// 4. Hostile set.
	var hostile []wasmlab.Step
	for _, s := range wasmlab.Steps(wasmrun.NewConfig().WithCacheDir(gc).WithTimeout(10*time.Second), filepath.Join(tmp, "mounts")) {
		if s.Hostile {
			hostile = append(hostile, s)
		}
	}
	t := time.Now()
	for _, s := range hostile {
		if _, _, err := s.Run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	fmt.Printf("hostile set: %d modules contained in %s wall (incl. 300 ms + 200 ms of deliberate timeouts)\n", len(hostile), ms(time.Since(t)))
	return nil
}
