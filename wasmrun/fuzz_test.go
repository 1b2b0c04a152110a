package wasmrun_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gocap/gocap/wasmrun"
	"github.com/gocap/gocap/wasmrun/internal/samples"
)

// FuzzInspect feeds arbitrary bytes to Inspect and, for input Inspect
// accepts, to the full Load/Run admission with the interpreter (wazero's own
// decoder and validator): neither may panic, and every failure must be one
// of the typed errors. Seeds: testdata/fuzz/FuzzInspect plus the hostile
// modules below; `go test` runs them all.
func FuzzInspect(f *testing.F) {
	for _, b := range [][]byte{samples.Loop, samples.MemBomb, samples.Recurse, samples.BadImport, samples.HugeData, samples.Spin, samples.Hello[:4096]} {
		f.Add(b)
	}
	cfg := wasmrun.NewConfig().WithInterpreter(true).WithTimeout(100 * time.Millisecond).WithMemoryLimitPages(16)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := wasmrun.Inspect(b)
		if err != nil {
			if !errors.Is(err, wasmrun.ErrMalformed) {
				t.Fatalf("Inspect error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if info.Size != len(b) || len(info.SHA256) != 64 {
			t.Fatalf("info %+v for %d bytes", info, len(b))
		}
		ctx := context.Background()
		if info.Kind == wasmrun.KindCommand {
			_, err = wasmrun.Run(ctx, b, cfg, wasmrun.RunOptions{})
		} else {
			var p *wasmrun.Plugin
			if p, err = wasmrun.Load(ctx, b, cfg); err == nil {
				if cerr := p.Close(ctx); cerr != nil {
					t.Fatalf("Close of a loaded plugin: %v", cerr)
				}
			}
		}
		var ee *wasmrun.ExitError
		var te *wasmrun.TrapError
		if err != nil && !errors.Is(err, wasmrun.ErrMalformed) && !errors.Is(err, wasmrun.ErrRefused) &&
			!errors.Is(err, wasmrun.ErrMemoryLimit) && !errors.Is(err, wasmrun.ErrTimeout) &&
			!errors.Is(err, wasmrun.ErrStackOverflow) && !errors.As(err, &ee) && !errors.As(err, &te) {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
