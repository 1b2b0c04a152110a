package wasmlimits

import (
	"context"
	_ "embed"
	"testing"
	"time"
)

// The modules are tiny hand-assembled WASI commands (see testdata/README.md).
var (
	//go:embed testdata/ok.wasm
	okWasm []byte
	//go:embed testdata/loop.wasm
	loopWasm []byte
	//go:embed testdata/bomb.wasm
	bombWasm []byte
)

func TestRunsAWellBehavedModule(t *testing.T) {
	if err := Run(context.Background(), okWasm, Limits{MemoryPages: 16, Timeout: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
}

// TestMemoryCap: bomb.wasm grows its memory a page at a time, up to 256
// pages (16 MiB). It returns normally when a grow fails; if every grow
// succeeds it traps ("unreachable"): the host gave it more than the cap.
func TestMemoryCap(t *testing.T) {
	if err := Run(context.Background(), bombWasm, Limits{MemoryPages: 16, Timeout: 5 * time.Second}); err != nil {
		t.Fatalf("the module grew past the 16-page cap (1 MiB): %v", err)
	}
}

// TestTimeout: loop.wasm never returns. Run must stop it after lim.Timeout.
func TestTimeout(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), loopWasm, Limits{MemoryPages: 16, Timeout: 100 * time.Millisecond})
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run of an endless module returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an endless module still runs 5 s after its 100 ms timeout: nothing stops it")
	}
}
