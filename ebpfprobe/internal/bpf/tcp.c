//go:build ignore

// tcp.c: TCP connection lifecycle from the sock:inet_sock_set_state
// tracepoint (the way bcc's tcplife and tcpstates work, no kprobes).
// One event per connection at TCP_CLOSE, through a ring buffer.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

#define WAKEUP_BYTES (64 * 1024)

enum {
	ST_ESTABLISHED = 1,
	ST_SYN_SENT = 2,
	ST_SYN_RECV = 3,
	ST_FIN_WAIT1 = 4,
	ST_CLOSE = 7,
	ST_LAST_ACK = 9,
};

struct sockinfo {
	__u64 birth_ns;   // first state seen (SYN_SENT / SYN_RECV / ESTABLISHED)
	__u64 syn_ns;     // CLOSE -> SYN_SENT, 0 for passive sockets
	__u64 latency_ns; // SYN_SENT -> ESTABLISHED
	__u32 pid;
	__u8 active;
	__u8 pad[3];
	char comm[16];
};

struct event {
	__u64 ts_ns;
	__u64 lifespan_ns;
	__u64 latency_ns;
	__u64 rx_bytes;
	__u64 tx_bytes;
	__u32 pid;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 refused;
	__u8 active;
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[16];
};
const struct event *unused_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sockinfo);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

// lost counts events dropped because the ring buffer was full.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void set_task(struct sockinfo *si)
{
	si->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(&si->comm, sizeof(si->comm));
}

SEC("tracepoint/sock/inet_sock_set_state")
int inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (ctx->family != AF_INET && ctx->family != AF_INET6)
		return 0;

	int ns = ctx->newstate, os = ctx->oldstate;
	// Only these transitions matter: return before any map work otherwise.
	if (ns != ST_CLOSE && ns != ST_SYN_SENT && ns != ST_SYN_RECV &&
	    ns != ST_ESTABLISHED && ns != ST_FIN_WAIT1 && ns != ST_LAST_ACK)
		return 0;
	// Passive sockets enter ESTABLISHED from SYN_RECV, where they were
	// recorded: nothing to update, so no map work at all.
	if (ns == ST_ESTABLISHED && os != ST_SYN_SENT)
		return 0;
	__u64 sk = (__u64)ctx->skaddr;

	if (ns == ST_SYN_SENT || ns == ST_SYN_RECV) {
		// A connection born while we watch (a reused socket starts over).
		struct sockinfo n = {};
		n.birth_ns = bpf_ktime_get_ns();
		if (ns == ST_SYN_SENT) {
			n.syn_ns = n.birth_ns;
			n.active = 1;
			set_task(&n); // connect() runs in process context
		}
		bpf_map_update_elem(&socks, &sk, &n, BPF_ANY);
		return 0;
	}
	struct sockinfo *si = bpf_map_lookup_elem(&socks, &sk);
	if (!si)
		return 0; // born before we attached
	if (ns == ST_ESTABLISHED) { // from SYN_SENT
		if (si->syn_ns)
			si->latency_ns = bpf_ktime_get_ns() - si->syn_ns;
		return 0;
	}
	if (ns != ST_CLOSE) { // FIN_WAIT1, LAST_ACK
		// Passive sockets: close() / shutdown() run in process context.
		if (si->pid == 0)
			set_task(si);
		return 0;
	}

	__u64 now = bpf_ktime_get_ns();
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *l = bpf_map_lookup_elem(&lost, &zero);
		if (l)
			(*l)++;
		bpf_map_delete_elem(&socks, &sk);
		return 0;
	}
	e->ts_ns = now;
	e->lifespan_ns = now - si->birth_ns;
	e->latency_ns = si->latency_ns;
	e->refused = 0;
	if (os == ST_SYN_SENT && si->syn_ns) {
		e->refused = 1;
		e->latency_ns = now - si->syn_ns;
	}
	e->active = si->active;
	e->pid = si->pid;
	__builtin_memcpy(e->comm, si->comm, sizeof(e->comm));
	e->sport = ctx->sport;
	e->dport = ctx->dport;
	e->family = ctx->family;
	if (ctx->family == AF_INET) {
		// Fixed-offset loads from the context: no helper calls.
		__builtin_memset(e->saddr, 0, sizeof(e->saddr));
		__builtin_memset(e->daddr, 0, sizeof(e->daddr));
		__builtin_memcpy(e->saddr, ctx->saddr, 4);
		__builtin_memcpy(e->daddr, ctx->daddr, 4);
	} else {
		// clang moves the ctx pointer for 16-byte copies, which the
		// verifier refuses: read them through the helper.
		bpf_probe_read_kernel(e->saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(e->daddr, 16, ctx->daddr_v6);
	}
	struct tcp_sock *tp = (struct tcp_sock *)ctx->skaddr;
	e->rx_bytes = BPF_CORE_READ(tp, bytes_received);
	e->tx_bytes = BPF_CORE_READ(tp, bytes_acked);
	// Wake the reader only when a batch is waiting: it polls on a short
	// deadline anyway, and a wakeup per event costs more than the event.
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
	bpf_map_delete_elem(&socks, &sk);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
