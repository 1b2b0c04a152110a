package wasmrun_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gocap/gocap/wasmrun"
	"github.com/gocap/gocap/wasmrun/internal/samples"
)

// A Go service embeds the plugin host: load once, call many times, reload
// when a new version arrives, close on shutdown.
func ExampleLoad() {
	ctx := context.Background()
	cfg := wasmrun.NewConfig().WithTimeout(time.Second).WithMemoryLimitPages(1024).WithCacheDir(cacheDir)
	p, err := wasmrun.Load(ctx, samples.Plugin, cfg)
	if err != nil {
		fmt.Println("load:", err)
		return
	}
	defer func() {
		if err := p.Close(ctx); err != nil {
			fmt.Println("close:", err)
		}
	}()

	out, err := p.Call(ctx, "compact", []byte(`{ "name": "gopher",  "tags": [ "go", "wasm" ] }`))
	fmt.Printf("%s %v\n", out, err)

	_, err = p.Call(ctx, "compact", []byte(`{"name":`))
	var ge *wasmrun.GuestError
	fmt.Println(errors.As(err, &ge), err)

	// Reload swaps the module; calls in flight finish on the old one.
	fmt.Println(p.Reload(ctx, samples.Plugin))
	// Output:
	// {"name":"gopher","tags":["go","wasm"]} <nil>
	// true compact: invalid JSON: unexpected end of JSON input
	// <nil>
}

// Run a WASI command with arguments, environment and stdin; a non-zero exit
// is an *ExitError.
func ExampleRun() {
	var out bytes.Buffer
	_, err := wasmrun.Run(context.Background(), samples.Hello, wasmrun.NewConfig().WithCacheDir(cacheDir), wasmrun.RunOptions{
		Args:   []string{"world", "fail"},
		Env:    []string{"GREETING=hello"},
		Stdin:  strings.NewReader("shout\n"),
		Stdout: &out,
	})
	fmt.Print(out.String())
	var ee *wasmrun.ExitError
	fmt.Println(errors.As(err, &ee), ee.ExitCode())
	// Output:
	// hello, world
	// hello, fail
	// SHOUT
	// true 1
}

// Inspect reads a module without compiling it and judges its imports.
func ExampleInspect() {
	info, err := wasmrun.Inspect(samples.BadImport)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(info.Kind, info.Allowed)
	fmt.Println(strings.Join(info.Disallowed, "\n"))
	// Output:
	// command false
	// env.system (func)
	// wasi_snapshot_preview1.sock_accept (func)
}
