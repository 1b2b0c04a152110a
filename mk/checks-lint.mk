# bench-vet: the in-process vet leg (gocap check --checks vet) against
# go vet ./..., warm build cache, on the defects testdata module and on gocap.
# Uses hyperfine when installed (apt-get install hyperfine), else a loop.
BENCH_TARGETS += bench-vet
BENCH_VET_RUNS ?= 10

.PHONY: bench-vet
bench-vet: build
	@GOCAP="$(abspath $(BIN))" RUNS="$(BENCH_VET_RUNS)" sh mk/checks-lint-bench.sh checks/testdata/defects .
