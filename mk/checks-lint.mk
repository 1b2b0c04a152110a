# bench-vet: the static legs (vet, errors, logging, staticcheck) against
# go vet ./... on an HTTP router (chi v5.5.0 from the module proxy) and on the
# defects testdata module, warm build cache, gocap's result cache off; warm,
# edited and cold vet results, and the in-process engine (see
# mk/checks-lint-bench.sh). Uses hyperfine when installed.
BENCH_TARGETS += bench-vet
BENCH_VET_RUNS ?= 9
BENCH_VET_CHI ?= github.com/go-chi/chi/v5@v5.5.0

.PHONY: bench-vet
bench-vet: build
	@chi=$$($(GO) mod download -json $(BENCH_VET_CHI) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	GOCAP="$(abspath $(BIN))" RUNS="$(BENCH_VET_RUNS)" sh mk/checks-lint-bench.sh "$$chi" checks/testdata/defects
