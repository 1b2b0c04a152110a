# Workshop mode (internal/workshop, gocap workshop).
.PHONY: bench-workshop
BENCH_TARGETS += bench-workshop

# The board's render time for 50 participants × 12 exercises (Go benchmark),
# then the time to grade all 16 exercises of a fresh starter, cold (empty
# GOCACHE and gocap caches) and warm, next to the reference grader's work
# alone (Exercism's go-test-runner: go test -json, no -race, no other leg).
bench-workshop: build
	$(GO) test -run '^$$' -bench BenchmarkBoard -benchmem -count 5 ./internal/workshop
	@sh mk/bench-workshop.sh $(BIN)
