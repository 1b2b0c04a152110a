# WebAssembly area (wasmrun): sample modules and benchmarks.
# Built modules are committed in wasmrun/internal/samples; `make wasm` rebuilds
# them (Go guests with the Go toolchain, hostile WAT modules with wabt's wat2wasm).
WASM_SAMPLES := wasmrun/internal/samples
WASM_GUESTS := wasmrun/testdata/src
WASM_GOFLAGS := -trimpath -ldflags='-s -w' -buildvcs=false
WAT2WASM ?= wat2wasm

.PHONY: wasm bench-wasm
BENCH_TARGETS += bench-wasm

wasm:
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_GOFLAGS) -o $(WASM_SAMPLES)/hello.wasm ./$(WASM_GUESTS)/hello
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_GOFLAGS) -o $(WASM_SAMPLES)/fsprobe.wasm ./$(WASM_GUESTS)/fsprobe
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_GOFLAGS) -buildmode=c-shared -o $(WASM_SAMPLES)/plugin.wasm ./$(WASM_GUESTS)/plugin
	for f in $(WASM_SAMPLES)/wat/*.wat; do \
		$(WAT2WASM) $$f -o $(WASM_SAMPLES)/$$(basename $$f .wat).wasm || exit 1; \
	done

# Side by side: gocap vs `wazero run -cachedir` vs Node.js WASI on hello.wasm,
# cold vs cached compile, plugin call overhead, the hostile set's wall time.
bench-wasm: build
	$(GO) run ./wasmrun/internal/benchwasm -gocap $(BIN)
