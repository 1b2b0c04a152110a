# Cross builds: gocap check must build (and work) off Linux and off amd64;
# there the eBPF command and lab say "not supported on this system".
.PHONY: cross-build
CROSS_TARGETS ?= darwin/amd64 darwin/arm64 linux/arm64 windows/amd64

cross-build:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for t in $(CROSS_TARGETS); do \
		echo "go build ./cmd/gocap for $$t"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o "$$tmp/gocap-$${t%/*}-$${t#*/}" ./cmd/gocap; \
	done; echo "cross builds ok"
