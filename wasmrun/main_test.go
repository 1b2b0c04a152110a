package wasmrun_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/gocap/gocap/wasmrun"
)

// cacheDir is one compilation cache for the whole test binary: the Go
// samples compile once (seconds) and load from it afterwards.
var cacheDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "wasmrun-test-cache-")
	if err != nil {
		panic(err)
	}
	cacheDir = d
	code := m.Run()
	if err := os.RemoveAll(d); err != nil {
		fmt.Fprintln(os.Stderr, "wasmrun tests leave their compilation cache behind:", err)
		code = max(code, 1)
	}
	os.Exit(code)
}

func testConfig() wasmrun.Config {
	return wasmrun.NewConfig().WithCacheDir(cacheDir)
}
