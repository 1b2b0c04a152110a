// Package wasmrun hosts WebAssembly modules with wazero, sandboxed and
// limited: WASI preview1 commands (Run) and reactor plugins (Load, Call,
// Reload, Close), plus a static Inspect that needs no compilation.
//
// # Sandbox
//
// A module sees no filesystem, no environment and no network unless the
// caller grants them: RunOptions.Env and RunOptions.Mounts. A Mount is backed
// by os.Root, so neither "../" nor a symlink inside the mount that points
// outside lets the guest out, and a read-only mount refuses writes. Every
// module is checked against an import allow-list (WASI preview1 without
// sockets, plus gocap's host module "gocap") before it is compiled, and
// against the memory cap: a module whose declared memory exceeds the cap is
// refused before any memory is reserved. A run or call past its timeout is
// closed by wazero (WithCloseOnContextDone) and reported as ErrTimeout.
//
// # Plugin ABI
//
// A plugin is a reactor module (Go: GOOS=wasip1 GOARCH=wasm go build
// -buildmode=c-shared, with //go:wasmexport functions). The host:
//
//   - calls _initialize once after instantiation, before anything else
//     (Go reactors trap without it);
//   - allocates the input with the guest export alloc(size i32) -> i32, writes
//     the bytes there, and reuses that buffer for later calls while it is big
//     enough (releasing it with free(ptr i32) when it needs a bigger one);
//   - calls FUNC(ptr i32, len i32) -> i64, which returns ptr<<32 | len of the
//     output. The output stays owned by the guest and is valid until the next
//     call; the host copies it. When bit 31 of len is set, the output is an
//     error message (returned as a *GuestError).
//
// Calls on one Plugin are serialised (a Go guest is single-threaded). Reload
// swaps in a new module: calls in flight finish on the old instance, new
// calls use the new one, and the old compiled module is closed afterwards.
//
// # Usage
//
//	p, err := wasmrun.Load(ctx, wasmBytes, wasmrun.NewConfig().WithTimeout(time.Second))
//	if err != nil { ... } // *RefusedError, ErrMalformed, ErrMemoryLimit...
//	defer p.Close(ctx)
//	out, err := p.Call(ctx, "format", []byte(`{"a":1}`))
package wasmrun
