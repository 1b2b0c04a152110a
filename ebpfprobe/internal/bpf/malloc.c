//go:build ignore

// malloc.c: an entry-only uprobe on a Go program's runtime.mallocgc.
// Go >= 1.17 (register ABI, amd64) passes the size in RAX, which is what
// PT_REGS_RC reads. No uretprobes: they crash Go programs whose stacks move.
// Stacks are sampled by bytes, so the cost stays bounded however hot the
// allocator is.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define MAX_FRAMES 32
#define HIST_SLOTS 64

// sample_bytes: one stack every this many allocated bytes (per CPU).
// Set by the loader before load; 0 disables stacks.
volatile const __u64 sample_bytes = 512 * 1024;

struct malloc_totals {
	__u64 count;
	__u64 bytes;
	__u64 acc; // bytes allocated since the last stack sample
	__u64 lost;
};

struct alloc_sample {
	__u32 pid;
	__u32 nframes;
	__u64 weight; // bytes this sample stands for
	__u64 ips[MAX_FRAMES];
};
const struct alloc_sample *unused_alloc_sample __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct malloc_totals);
} totals SEC(".maps");

// hist: log2 buckets of the allocation size.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} samples SEC(".maps");

static __always_inline __u32 log2l(__u64 v)
{
	__u32 r = 0;
#pragma unroll
	for (int i = 32; i > 0; i >>= 1) {
		if (v >= (1ULL << i)) {
			v >>= i;
			r += i;
		}
	}
	return r;
}

SEC("uprobe")
int mallocgc(struct pt_regs *ctx)
{
	__u64 size = PT_REGS_RC(ctx);
	__u32 zero = 0;
	struct malloc_totals *t = bpf_map_lookup_elem(&totals, &zero);
	if (!t)
		return 0;
	t->count++;
	t->bytes += size;

	__u32 slot = size ? log2l(size) + 1 : 0;
	if (slot >= HIST_SLOTS)
		slot = HIST_SLOTS - 1;
	__u64 *h = bpf_map_lookup_elem(&hist, &slot);
	if (h)
		(*h)++;

	if (sample_bytes == 0)
		return 0;
	t->acc += size;
	if (t->acc < sample_bytes)
		return 0;
	__u64 weight = t->acc;
	t->acc = 0;

	struct alloc_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		t->lost++;
		return 0;
	}
	s->pid = bpf_get_current_pid_tgid() >> 32;
	s->weight = weight;
	long n = bpf_get_stack(ctx, s->ips, sizeof(s->ips), BPF_F_USER_STACK);
	s->nframes = n > 0 ? (__u64)n / 8 : 0;
	bpf_ringbuf_submit(s, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
