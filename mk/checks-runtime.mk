# gocap check wall time next to go test -race ./... alone and next to
# go test -race followed by go test -bench at the same bench time (warm build
# cache, test result cache cleared before every timed run). Median of
# BENCH_CHECK_RUNS runs on the defects testdata module, on a copy of an HTTP
# router from the module proxy (gorilla/mux v1.8.1: tests and 13 benchmarks)
# and on each folder of BENCH_CHECK_MODULES (e.g. copies of real modules).
# Goals: <= 1.1x the sequential pair, <= 1.5x the race run alone.
.PHONY: bench-check
BENCH_TARGETS += bench-check
BENCH_CHECK_RUNS ?= 3
BENCH_CHECK_MUX ?= github.com/gorilla/mux@v1.8.1
BENCH_CHECK_MODULES ?=

bench-check: build
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT INT TERM && \
	mux=$$($(GO) mod download -json $(BENCH_CHECK_MUX) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p') && \
	cp -r "$$mux" "$$tmp/mux" && chmod -R u+w "$$tmp/mux" && (cd "$$tmp/mux" && $(GO) mod download) && \
	sh mk/bench-check.sh $(BIN) checks/testdata/defects:$(BENCH_CHECK_RUNS) "$$tmp/mux:$(BENCH_CHECK_RUNS)" $(foreach m,$(BENCH_CHECK_MODULES),$(m):$(BENCH_CHECK_RUNS))
