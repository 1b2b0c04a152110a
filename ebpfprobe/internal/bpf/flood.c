//go:build ignore

// flood.c: a benchmark producer. A raw tracepoint on sys_enter emits a
// burst of `burst` small events (a bpf_loop) per getppid(2) call of one
// process into a ring buffer, and counts what it could not reserve, so the
// Go consumer's rate can be measured with a known loss. Bursts keep the
// producer (one syscall per trigger, ~1.4 µs) from being the bottleneck.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define NR_getppid 110

volatile const __u32 target_tgid = 0;
volatile const __u32 burst = 1; // events per getppid(2), 1..65536

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

struct burst_ctx {
	__u64 *sent;
	__u64 *dropped;
	__u64 ts_ns;
	__u32 n;
};

static long emit_one(__u32 i, void *data)
{
	struct burst_ctx *c = data;
	struct flood_event *e = bpf_ringbuf_reserve(&flood_events, sizeof(*e), 0);
	if (!e) {
		(*c->dropped)++;
		return 0;
	}
	e->seq = ++(*c->sent);
	e->ts_ns = c->ts_ns;
	// One wakeup per burst: the last event forces it, the rest stay quiet.
	bpf_ringbuf_submit(e, i + 1 == c->n ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("raw_tracepoint/sys_enter")
int flood(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[1] != NR_getppid)
		return 0;
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	__u32 k0 = 0, k1 = 1;
	__u64 *s = bpf_map_lookup_elem(&flood_stats, &k0);
	__u64 *d = bpf_map_lookup_elem(&flood_stats, &k1);
	if (!s || !d)
		return 0;
	struct burst_ctx c = {.sent = s, .dropped = d, .ts_ns = bpf_ktime_get_ns(), .n = burst};
	bpf_loop(c.n, emit_one, &c, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
