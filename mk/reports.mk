# Reports: renderer, baseline and merge benchmarks on a 5000-finding report,
# then `gocap report diff` against benchstat on the same 200 benchmarks x 10
# runs (both compare with the Mann-Whitney U test), wall time side by side.
.PHONY: bench-reports test-reports
BENCH_TARGETS += bench-reports
REPORTS_BENCH := out/bench-reports

bench-reports: build
	$(GO) test -run '^$$' -bench . -benchtime 20x ./reports
	@mkdir -p $(REPORTS_BENCH)
	$(GO) build -o $(REPORTS_BENCH)/benchstat golang.org/x/perf/cmd/benchstat
	$(GO) run ./reports/internal/benchcorpus $(REPORTS_BENCH)
	@n=20; \
	t0=$$(date +%s%N); for i in $$(seq $$n); do $(REPORTS_BENCH)/benchstat $(REPORTS_BENCH)/old.txt $(REPORTS_BENCH)/new.txt >/dev/null; done; t1=$$(date +%s%N); \
	for i in $$(seq $$n); do ./$(BIN) report diff $(REPORTS_BENCH)/old.json $(REPORTS_BENCH)/new.json >/dev/null; done; t2=$$(date +%s%N); \
	bs=$$(( (t1-t0)/n/1000000 )); gc=$$(( (t2-t1)/n/1000000 )); \
	printf 'report diff, 200 benchmarks x 10 runs x 3 metrics (mean of %d):\n  benchstat          %5d ms\n  gocap report diff  %5d ms  (%s x benchstat)\n' $$n $$bs $$gc $$(awk "BEGIN{printf \"%.2f\", $$gc/($$bs>0?$$bs:1)}")

# The renderers, the CI gate and the report commands (needs chromium and xmllint).
test-reports:
	$(GO) test -count=1 ./reports/... ./internal/config ./internal/gitdiff ./internal/suppress ./cmd/gocap/internal/checkcmd ./cmd/gocap/internal/reportcmd
