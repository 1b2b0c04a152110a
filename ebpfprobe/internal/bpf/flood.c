//go:build ignore

// flood.c: a benchmark producer. A raw tracepoint on sys_enter emits one
// small event per getppid(2) call of one process into a ring buffer and
// counts what it could not reserve, so the Go consumer's rate can be
// measured with a known loss.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define NR_getppid 110

volatile const __u32 target_tgid = 0;

struct flood_event {
	__u64 seq;
	__u64 ts_ns;
};
const struct flood_event *unused_flood_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} flood_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} flood_stats SEC(".maps"); // 0: sent, 1: dropped

SEC("raw_tracepoint/sys_enter")
int flood(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[1] != NR_getppid)
		return 0;
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	__u32 k = 0;
	struct flood_event *e = bpf_ringbuf_reserve(&flood_events, sizeof(*e), 0);
	if (!e) {
		k = 1;
		__u64 *d = bpf_map_lookup_elem(&flood_stats, &k);
		if (d)
			(*d)++;
		return 0;
	}
	__u64 *s = bpf_map_lookup_elem(&flood_stats, &k);
	if (s) {
		(*s)++;
		e->seq = *s;
	}
	e->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
