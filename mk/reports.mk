# Reports: renderer, baseline and merge benchmarks on a 5000-finding report.
.PHONY: bench-reports test-reports
BENCH_TARGETS += bench-reports

bench-reports:
	$(GO) test -run '^$$' -bench . -benchtime 20x ./reports

# The renderers, the CI gate and the report commands (needs chromium and xmllint).
test-reports:
	$(GO) test -count=1 ./reports/... ./internal/config ./internal/gitdiff ./internal/suppress ./cmd/gocap/internal/checkcmd ./cmd/gocap/internal/reportcmd
