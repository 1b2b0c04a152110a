# gocap check wall time vs go test -race alone (warm build cache, test result
# cache cleared before every timed run so both really run the tests).
.PHONY: bench-check
BENCH_TARGETS += bench-check
BENCH_CHECK_RUNS ?= 3

bench-check: build
	@sh mk/bench-check.sh $(BIN) $(BENCH_CHECK_RUNS) checks/testdata/defects .
