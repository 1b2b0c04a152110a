# gocap check wall time next to go test -race ./... alone and next to
# go test -race followed by go test -bench at the same bench time (warm build
# cache, test result cache cleared before every timed run). Median of
# BENCH_CHECK_RUNS runs on the defects testdata module and on each folder of
# BENCH_CHECK_MODULES (e.g. copies of real modules). Goals: <= 1.1x the
# sequential pair, <= 1.5x the race run alone.
.PHONY: bench-check
BENCH_TARGETS += bench-check
BENCH_CHECK_RUNS ?= 3
BENCH_CHECK_MODULES ?=

bench-check: build
	@sh mk/bench-check.sh $(BIN) checks/testdata/defects:$(BENCH_CHECK_RUNS) $(foreach m,$(BENCH_CHECK_MODULES),$(m):$(BENCH_CHECK_RUNS))
