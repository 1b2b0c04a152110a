GO ?= go
BIN := bin/gocap
# Each area adds its benchmark target here from mk/<area>.mk.
BENCH_TARGETS :=

.PHONY: build run test bench generate wasm clean

build:
	$(GO) build -o $(BIN) ./cmd/gocap

# gocap on its own module with every hands-on lab: a full report.
run: build
	./$(BIN) run

# Every test. eBPF, netns and SPIRE tests need root (CI runs as root).
test:
	$(GO) test -count=1 -timeout 30m ./...

-include mk/*.mk

bench: build $(BENCH_TARGETS)

clean:
	rm -rf bin out
