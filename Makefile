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

# The quick look at everything: gocap run, with every lab, on the workshop's
# starter module (16 broken exercises, unpacked into a temp folder and removed
# after), so every dimension has real findings. `gocap run` inside a module
# still checks that module. Report only: exit 0 when the report is written.
run: build
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT INT TERM && \
	./$(BIN) workshop start "$$d/workshop" >/dev/null && \
	cd "$$d/workshop" && $(CURDIR)/$(BIN) run --fail-on none

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
