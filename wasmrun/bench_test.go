package wasmrun_test

import (
	"context"
	"testing"

	"github.com/gocap/gocap/wasmrun"
	"github.com/gocap/gocap/wasmrun/internal/samples"
)

// BenchmarkPluginCall is the host's per-call overhead: a 7-byte echo
// through the ABI with the per-call timeout armed (goal: at most 1 µs).
func BenchmarkPluginCall(b *testing.B) {
	p := loadPlugin(b, testConfig())
	ctx := context.Background()
	in := []byte(`{"a":1}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Call(ctx, "echo", in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPluginCallJSON does real work: compact a small JSON document.
func BenchmarkPluginCallJSON(b *testing.B) {
	p := loadPlugin(b, testConfig())
	ctx := context.Background()
	in := []byte(`{ "name": "gopher", "tags": [ "go", "wasm" ] }`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Call(ctx, "compact", in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunHelloWarm is a whole run of the hello command with the
// compilation cache warm: new runtime, cached compile, instantiate, _start.
func BenchmarkRunHelloWarm(b *testing.B) {
	ctx := context.Background()
	cfg := testConfig()
	if _, err := wasmrun.Run(ctx, samples.Hello, cfg, wasmrun.RunOptions{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := wasmrun.Run(ctx, samples.Hello, cfg, wasmrun.RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInspect reads the 2 MB hello module's sections without compiling.
func BenchmarkInspect(b *testing.B) {
	b.SetBytes(int64(len(samples.Hello)))
	for b.Loop() {
		if _, err := wasmrun.Inspect(samples.Hello); err != nil {
			b.Fatal(err)
		}
	}
}
