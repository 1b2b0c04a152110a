# eBPF programs (ebpfprobe/internal/bpf): C compiled by clang through bpf2go.
# The generated .o/.go files are committed so `go build` needs no clang.
# Needs: clang (14), llvm, libbpf-dev (bpf/*.h). bpf2go is a Go tool dependency.

EBPF_BPF_DIR := ebpfprobe/internal/bpf
EBPF_REJECT  := ebpfprobe/testdata/reject
EBPF_CLANG   ?= clang

# ebpf_reject builds the verifier-rejected test object (paths made relative
# and DWARF stripped so the bytes do not depend on the checkout's location).
ebpf_reject = (out=$$(realpath -m $(1)); cd $(dir $(EBPF_REJECT)) && \
	$(EBPF_CLANG) -O2 -g -target bpf -D__TARGET_ARCH_x86 -fdebug-prefix-map=$$PWD=. \
	-I../internal/bpf/headers -c reject.c -o "$$out" && llvm-strip -g "$$out")

.PHONY: generate generate-ebpf check-generate-ebpf bench-ebpf

GENERATE_TARGETS += generate-ebpf
CHECK_GENERATE_TARGETS += check-generate-ebpf

generate-ebpf:
	$(GO) generate ./$(EBPF_BPF_DIR)
	$(call ebpf_reject,$(EBPF_REJECT).o)

# Regenerates into a temporary copy and diffs it with the committed output:
# fails when a C file changed without `make generate` (clang output is
# deterministic: same source, same bytes).
check-generate-ebpf:
	@set -e; tmp=$$(mktemp -d -p $(dir $(EBPF_BPF_DIR)) _gencheck.XXXXXX); \
	trap 'rm -rf "$$tmp"' EXIT; \
	cp -a $(EBPF_BPF_DIR)/. "$$tmp"/; rm -f "$$tmp"/*_bpfel.go "$$tmp"/*_bpfel.o; \
	$(GO) generate ./"$$tmp" >/dev/null; \
	$(call ebpf_reject,"$$tmp"/reject.o); \
	if ! diff -r -q $(EBPF_BPF_DIR) "$$tmp" -x reject.o; then \
		echo "ebpf: generated files are stale: run 'make generate' and commit"; exit 1; fi; \
	if ! cmp -s $(EBPF_REJECT).o "$$tmp"/reject.o; then \
		echo "ebpf: $(EBPF_REJECT).o is stale: run 'make generate' and commit"; exit 1; fi; \
	echo "ebpf: generated files are up to date"

# Benchmarks (root): tracer on vs off side by side (16 alternating rounds of
# 1000 connections per run, 5 runs), ringbuf consumer rate with the
# kernel-side loss count (the flood program emits 64 events per syscall), per-event program cost (bpf stats), malloc
# uprobe overhead per allocation. Prints the raw lines, then a summary.
EBPF_BENCH_OUT ?= /tmp/gocap-bench-ebpf.txt
bench-ebpf:
	$(GO) test -run '^$$' -bench 'TCPTracer|Ringbuf' -benchtime 1000x -count 5 ./ebpfprobe/ | tee $(EBPF_BENCH_OUT)
	$(GO) test -run '^$$' -bench 'MallocTracer' -benchtime 2x -count 1 ./ebpfprobe/ | tee -a $(EBPF_BENCH_OUT)
	@awk -f mk/ebpf-bench.awk $(EBPF_BENCH_OUT)

BENCH_TARGETS += bench-ebpf
