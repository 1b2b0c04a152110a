GO ?= go
BIN := bin/gocap

.PHONY: build run test bench generate wasm clean

build:
	$(GO) build -o $(BIN) ./cmd/gocap

# gocap on its own module with every hands-on lab: a full report.
run: build
	./$(BIN) run

test:
	$(GO) test -count=1 ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

clean:
	rm -rf bin out
