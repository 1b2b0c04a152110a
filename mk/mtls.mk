# SPIFFE mTLS area (package mtls, gocap mtls).

SPIRE_VERSION ?= v1.13.3
# SPIRE binaries are cached outside the clone, keyed by version: the first
# build takes ~25 minutes, later runs reuse them.
SPIRE_DIR ?= /var/cache/gocap/spire-$(SPIRE_VERSION)
# The SPIRE interop test (mtls TestSPIREInterop) finds the binaries here.
export GOCAP_SPIRE_DIR ?= $(SPIRE_DIR)

BENCH_TARGETS += bench-mtls

.PHONY: spire bench-mtls test-mtls

# Build spire-server and spire-agent from the separate tools module
# internal/tools/spire (their dependencies stay out of gocap's go.mod),
# unless both are already in the cache.
spire:
	@if [ -x $(SPIRE_DIR)/spire-server ] && [ -x $(SPIRE_DIR)/spire-agent ]; then \
		echo "SPIRE $(SPIRE_VERSION) already built in $(SPIRE_DIR)"; \
	else \
		mkdir -p $(SPIRE_DIR).tmp && \
		cd internal/tools/spire && \
		$(GO) build -o $(SPIRE_DIR).tmp/ github.com/spiffe/spire/cmd/spire-server github.com/spiffe/spire/cmd/spire-agent && \
		mkdir -p $(SPIRE_DIR) && mv $(SPIRE_DIR).tmp/spire-server $(SPIRE_DIR).tmp/spire-agent $(SPIRE_DIR)/ && \
		rmdir $(SPIRE_DIR).tmp && echo "SPIRE $(SPIRE_VERSION) built into $(SPIRE_DIR)"; \
	fi

# The mtls tests, SPIRE interop included (needs `make spire` first).
test-mtls: spire
	$(GO) test -count=1 ./mtls/... ./cmd/gocap/internal/mtlscmd/

# Handshakes/s with SVIDs (go-spiffe tlsconfig, static and via the Workload
# API) vs plain crypto/tls with the same P-256 certificates, interleaved runs,
# medians side by side; then the delay from an SVID rotation to the first
# handshake that uses the new SVID.
bench-mtls:
	@mkdir -p out
	$(GO) test -c -o out/mtls.test ./mtls/
	@: > out/bench-mtls.txt
	@# -count N runs one sub-benchmark N times in a row: loop instead, so the three kinds interleave.
	for i in 1 2 3 4 5 6; do ./out/mtls.test -test.run '^$$' -test.bench '^BenchmarkHandshake$$' -test.benchtime 1s | tee -a out/bench-mtls.txt; done
	./out/mtls.test -test.run '^$$' -test.bench '^BenchmarkRotationToFirstHandshake$$' -test.benchtime 5x | tee -a out/bench-mtls.txt
	@awk ' \
	function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } \
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 } \
	/^BenchmarkHandshake\// { name = $$1; sub(/^BenchmarkHandshake\//, "", name); sub(/-[0-9]+$$/, "", name); n[name]++; \
		for (i = 2; i < NF; i++) { if ($$(i+1) == "handshakes/s") w[name, n[name]] = $$i; if ($$(i+1) == "handshakes/cpu-s") c[name, n[name]] = $$i } } \
	/^BenchmarkRotationToFirstHandshake/ { for (i = 2; i < NF; i++) { if ($$(i+1) == "ms/rotation-to-handshake") rot = $$i; if ($$(i+1) == "ms-worst") worst = $$i } } \
	END { split("plain spiffe-static spiffe-workloadapi", names, " "); \
		for (k = 1; k <= 3; k++) { m = names[k]; for (i = 1; i <= n[m]; i++) { tw[i] = w[m, i]; tc[i] = c[m, i] } mw[m] = median(tw, n[m]); mc[m] = median(tc, n[m]) } \
		printf "\n%-22s %14s %9s %18s %9s\n", "mTLS handshake (P-256)", "handshakes/s", "vs plain", "handshakes/cpu-s", "vs plain"; \
		for (k = 1; k <= 3; k++) { m = names[k]; printf "%-22s %14.0f %8.2fx %18.0f %8.2fx\n", m, mw[m], mw[m] / mw["plain"], mc[m], mc[m] / mc["plain"] } \
		printf "goal: spiffe >= 0.90x plain (medians of %d interleaved runs; CPU-based is steadier on a shared machine)\n", n["plain"]; \
		printf "rotation -> first handshake with the new SVID: mean %s ms, worst %s ms\n", rot, worst }' out/bench-mtls.txt
