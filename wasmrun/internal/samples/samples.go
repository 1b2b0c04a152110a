// Package samples embeds gocap's sample and hostile WebAssembly modules so
// `gocap run` and the tests need no files. BUILD.md says how each was built;
// `make wasm` rebuilds them all.
package samples

import _ "embed"

// Sample modules (Go guests, wasmrun/testdata/src).
var (
	//go:embed hello.wasm
	Hello []byte // command: greets args, GREETING env, stdin -> upper-case stdout
	//go:embed plugin.wasm
	Plugin []byte // reactor: format, compact, echo (JSON)
	//go:embed fsprobe.wasm
	FSProbe []byte // command: read:/write:/list: PATH probes, one line each
)

// Hostile modules (wat/*.wat, assembled with wabt's wat2wasm).
var (
	//go:embed loop.wasm
	Loop []byte // _start loops forever
	//go:embed membomb.wasm
	MemBomb []byte // grows memory until refused, then traps
	//go:embed recurse.wasm
	Recurse []byte // unbounded recursion
	//go:embed badimport.wasm
	BadImport []byte // imports env.system and a WASI socket call
	//go:embed hugedata.wasm
	HugeData []byte // data segment at 1 GiB: 16385 pages of memory
	//go:embed spin.wasm
	Spin []byte // plugin ABI reactor: spin never returns, ok echoes
)
