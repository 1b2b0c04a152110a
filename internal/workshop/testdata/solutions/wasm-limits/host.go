// Package wasmlimits runs untrusted WebAssembly (WASI) commands with wazero.
package wasmlimits

import (
	"context"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Limits bound what one untrusted module may use.
type Limits struct {
	MemoryPages uint32        // cap on linear memory, in 64 KiB pages
	Timeout     time.Duration // cap on the run's wall time
}

// Run compiles and runs the WASI command bin under lim. A module that
// exceeds a limit is stopped and Run returns an error; memory.grow past the
// cap fails inside the module (returns -1), as the spec says.
func Run(ctx context.Context, bin []byte, lim Limits) error {
	// The interpreter: untrusted modules are small, and it starts at once.
	if lim.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lim.Timeout)
		defer cancel()
	}
	cfg := wazero.NewRuntimeConfigInterpreter().WithCloseOnContextDone(true)
	if lim.MemoryPages > 0 {
		cfg = cfg.WithMemoryLimitPages(lim.MemoryPages)
	}
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	_, err := r.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig())
	return err
}
