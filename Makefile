GO ?= go
BIN := bin/gocap
# Each area adds to these lists from mk/<area>.mk.
BENCH_TARGETS :=
GENERATE_TARGETS :=
CHECK_GENERATE_TARGETS :=

.PHONY: build run test bench generate check-generate clean

build:
	$(GO) build -o $(BIN) ./cmd/gocap

# gocap on its own module with every hands-on lab: a full report.
run: build
	./$(BIN) run

# Every test. eBPF, netns and SPIRE tests need root (CI runs as root). SPIRE is
# built once per machine for the interop tests (cached outside the clone).
test: spire
	$(GO) test -count=1 -timeout 30m ./...

-include mk/*.mk

bench: build $(BENCH_TARGETS)

# Regenerate committed generated files (eBPF objects, wasm samples); CI checks they are fresh.
generate: $(GENERATE_TARGETS)

check-generate: $(CHECK_GENERATE_TARGETS)
	@echo "generated files are up to date"

clean:
	rm -rf bin out
