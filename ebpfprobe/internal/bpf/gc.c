//go:build ignore

// gc.c: a Go program's stop-the-world pauses from outside, with entry-only
// uprobes (never uretprobes: they crash Go programs whose stacks move).
//
//   stw_stop    runtime.stopTheWorldWithSema(reason): reason in AL.
//   stw_start   runtime.startTheWorldWithSema(now, w worldStop): RBX = w.reason,
//               RCX = w.startedStopping, RDI = w.finishedStopping (Go's
//               nanotime: CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns).
//   stw_record  the CALL runtime.(*timeHistogram).record sites inside
//               startTheWorldWithSema: RBX = the total pause the runtime
//               itself records in /sched/pauses/total/*.
//
// With record sites, stw_record emits the event with the runtime's own total;
// without them (exact = 0), stw_start emits it with ktime - startedStopping,
// which misses the waking of the Ps at the end of the pause.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

// target_tgid: only this process (0: every process of the binary).
volatile const __u32 target_tgid = 0;
// exact: 1 when stw_record is attached to the record call sites.
volatile const __u8 exact = 0;

struct stw_state {
	__u64 stop_ns;     // ktime at stopTheWorldWithSema
	__u64 started_ns;  // w.startedStopping
	__u64 finished_ns; // w.finishedStopping
	__u8 stop_reason;  // AL at stopTheWorldWithSema
	__u8 reason;       // w.reason at startTheWorldWithSema
	__u8 started;      // stw_start ran for this pause
	__u8 pad[5];
};

struct stw_event {
	__u64 end_ns;      // ktime when the pause was recorded
	__u64 total_ns;    // whole pause (the runtime's own figure when exact)
	__u64 stopping_ns; // time spent stopping the Ps
	__u32 tgid;
	__u8 reason;
	__u8 stop_reason;
	__u8 exact;
	__u8 pad;
};
const struct stw_event *unused_stw_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct stw_state);
} stw SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
} pauses SEC(".maps");

// lost: pauses the ring buffer had no room for.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline int wanted(__u32 tgid)
{
	return target_tgid == 0 || tgid == target_tgid;
}

static __always_inline void emit(struct stw_state *s, __u32 tgid, __u64 total, __u8 is_exact)
{
	struct stw_event *e = bpf_ringbuf_reserve(&pauses, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *l = bpf_map_lookup_elem(&lost, &zero);
		if (l)
			(*l)++;
		return;
	}
	e->end_ns = bpf_ktime_get_ns();
	e->total_ns = total;
	e->stopping_ns = s->finished_ns > s->started_ns ? s->finished_ns - s->started_ns : 0;
	e->tgid = tgid;
	e->reason = s->reason;
	e->stop_reason = s->stop_reason;
	e->exact = is_exact;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

SEC("uprobe")
int stw_stop(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!wanted(tgid))
		return 0;
	struct stw_state s = {};
	s.stop_ns = bpf_ktime_get_ns();
	s.stop_reason = PT_REGS_RC(ctx) & 0xff;
	bpf_map_update_elem(&stw, &tgid, &s, BPF_ANY);
	return 0;
}

SEC("uprobe")
int stw_start(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!wanted(tgid))
		return 0;
	struct stw_state *s = bpf_map_lookup_elem(&stw, &tgid);
	if (!s)
		return 0; // the tracer attached in the middle of this pause
	s->reason = ctx->bx & 0xff;
	s->started_ns = ctx->cx;
	s->finished_ns = ctx->di;
	s->started = 1;
	if (!exact) {
		__u64 now = bpf_ktime_get_ns();
		emit(s, tgid, now > s->started_ns ? now - s->started_ns : 0, 0);
		bpf_map_delete_elem(&stw, &tgid);
	}
	return 0;
}

SEC("uprobe")
int stw_record(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!wanted(tgid))
		return 0;
	struct stw_state *s = bpf_map_lookup_elem(&stw, &tgid);
	if (!s || !s->started)
		return 0;
	emit(s, tgid, ctx->bx, 1);
	bpf_map_delete_elem(&stw, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
