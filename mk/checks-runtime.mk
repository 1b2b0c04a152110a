# gocap check wall time vs go test -race alone (warm build cache, test result
# cache cleared before every timed run so both really run the tests). Median
# of BENCH_CHECK_RUNS runs on the defects testdata module and of
# BENCH_CHECK_SELF_RUNS runs on gocap itself (its tests take minutes).
.PHONY: bench-check
BENCH_TARGETS += bench-check
BENCH_CHECK_RUNS ?= 5
BENCH_CHECK_SELF_RUNS ?= 1

bench-check: build
	@sh mk/bench-check.sh $(BIN) checks/testdata/defects:$(BENCH_CHECK_RUNS) .:$(BENCH_CHECK_SELF_RUNS)
