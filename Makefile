GO ?= go
BIN := bin/gocap
# Each area adds to these lists from mk/<area>.mk.
BENCH_TARGETS :=
GENERATE_TARGETS :=
CHECK_GENERATE_TARGETS :=

.PHONY: build run test bench generate check-generate clean man

# The version stamped into the binary: the git description of the checkout
# (v1.2.0, v1.2.0-3-gabc1234-dirty, or a bare hash without tags), "dev"
# outside a git checkout. Stamped with -ldflags because this machine (and
# many CI images) set GOFLAGS=-buildvcs=false, so the build info carries no
# VCS revision; `go install github.com/gocap/gocap/cmd/gocap@vX` needs no
# stamp: the module version is in the build info (internal/version).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/gocap/gocap/internal/version.stamped=$(VERSION)

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/gocap

# gocap on its own module with every hands-on lab: a full report.
run: build
	./$(BIN) run

# Every test. eBPF, netns and SPIRE tests need root (CI runs as root). SPIRE is
# built once per machine for the interop tests (cached outside the clone).
test: spire
	$(GO) test -count=1 -timeout 30m ./...

-include mk/*.mk

bench: build $(BENCH_TARGETS)

# Regenerate committed generated files (eBPF objects, wasm samples); CI checks they are fresh.
generate: $(GENERATE_TARGETS)

check-generate: $(CHECK_GENERATE_TARGETS)
	@echo "generated files are up to date"

# Man pages, one per command (cobra's doc package), into out/man:
# man -l out/man/gocap-check.1
man:
	$(GO) run -ldflags '$(LDFLAGS)' ./cmd/gocap/internal/genman out/man

clean:
	rm -rf bin out
