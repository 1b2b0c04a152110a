# Runtime capability (gocap load, gocap ebpf gc, the runtime lab): benchmarks.
# bench-runtime builds the vegeta CLI from the Go module proxy once into a
# cache folder outside the clone (keyed by version), then prints, side by
# side: gocap load vs vegeta attack at the same rate against the same sample
# service (achieved rate and CPU per request, as ratios); the eBPF GC
# tracer's overhead on its target (wall time and GC count, alone vs traced;
# root); the highest rate gocap load holds with p99 < 10 ms.

VEGETA_VERSION ?= v12.13.0
RUNTIME_TOOLS  ?= $(HOME)/.cache/gocap/tools
VEGETA_BIN     := $(RUNTIME_TOOLS)/vegeta-$(VEGETA_VERSION)/vegeta
RUNTIME_BENCH_OUT ?= /tmp/gocap-bench-runtime.txt

.PHONY: bench-runtime

$(VEGETA_BIN):
	GOBIN=$(dir $@) GOWORK=off $(GO) install github.com/tsenart/vegeta/v12@$(VEGETA_VERSION)

bench-runtime: build $(VEGETA_BIN)
	GOCAP_BIN=$(abspath $(BIN)) VEGETA_BIN=$(VEGETA_BIN) $(GO) test -run '^$$' -bench 'Runtime' -benchtime 1x -count 1 -timeout 20m ./internal/runtimelab/ | tee $(RUNTIME_BENCH_OUT)

BENCH_TARGETS += bench-runtime
