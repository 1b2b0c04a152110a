# SPIRE for the mTLS interop tests, built from its own tools module so that its
# dependency tree stays out of gocap's go.mod. Cached outside the clone, by version.
SPIRE_VERSION := v1.13.3
SPIRE_DIR ?= /var/cache/gocap/spire-$(SPIRE_VERSION)
export GOCAP_SPIRE_DIR := $(SPIRE_DIR)

.PHONY: spire
spire:
	@if [ -x $(SPIRE_DIR)/spire-server ] && [ -x $(SPIRE_DIR)/spire-agent ]; then \
		echo "spire $(SPIRE_VERSION) cached in $(SPIRE_DIR)"; \
	else \
		mkdir -p $(SPIRE_DIR) && cd internal/tools/spire && \
		$(GO) build -o $(SPIRE_DIR)/ github.com/spiffe/spire/cmd/spire-server github.com/spiffe/spire/cmd/spire-agent; \
	fi
