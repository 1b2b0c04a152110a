//go:build ignore

// policy.c: a policy enforcement point. CIDR rules (IPv4 and IPv6) with an
// optional port live in LPM tries keyed by {prefixlen, port, address}; the
// longest match wins, a port-specific rule beats an any-port rule of the
// same length. Enforced on TCX (ingress/egress of an interface) or on a
// cgroup's egress (cgroup_skb). Only TCP and UDP are policed; everything else
// (ARP, ICMP, neighbour discovery) passes. Hit counters per rule in an array.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define MAX_RULES 256

#define ACTION_ALLOW 0
#define ACTION_DENY 1

// default_deny: the verdict when no rule matches (0 allow, 1 deny).
volatile const __u32 default_deny = 0;

struct key4 {
	__u32 prefixlen; // bits of port+addr that must match
	__u16 port;      // network byte order; 0 = any port
	__u8 addr[4];    // network byte order
} __attribute__((packed));

struct key6 {
	__u32 prefixlen;
	__u16 port;
	__u8 addr[16];
} __attribute__((packed));

struct rule {
	__u32 id;     // index into hits, 1..MAX_RULES-1
	__u32 action; // ACTION_ALLOW / ACTION_DENY
	__u32 plen;   // CIDR prefix length, to compare two matches
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct key4);
	__type(value, struct rule);
} rules_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct key6);
	__type(value, struct rule);
} rules_v6 SEC(".maps");

// hits[0] counts packets no rule matched; hits[id] those of rule id.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_RULES);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline struct rule *better(struct rule *a, struct rule *b)
{
	// a: port-specific match, b: any-port match.
	if (!a)
		return b;
	if (!b)
		return a;
	return a->plen >= b->plen ? a : b;
}

// verdict returns 1 to let the packet through, 0 to drop it. off is the
// offset of the IP header; remote_is_src picks the source address as the
// peer (ingress) instead of the destination (egress). The port matched is
// always the destination port.
static __always_inline int verdict(struct __sk_buff *skb, __u32 off, int remote_is_src)
{
	__u16 proto = bpf_ntohs(skb->protocol);
	__u8 l4;
	__u16 ports[2];
	struct rule *r = 0;

	if (proto == ETH_P_IP) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) < 0)
			return 1;
		l4 = ip.protocol;
		if (l4 != IPPROTO_TCP && l4 != IPPROTO_UDP)
			return 1;
		if (bpf_skb_load_bytes(skb, off + ip.ihl * 4, ports, sizeof(ports)) < 0)
			return 1;
		struct key4 k = {.prefixlen = 48, .port = ports[1]};
		__builtin_memcpy(k.addr, remote_is_src ? (void *)&ip.saddr : (void *)&ip.daddr, 4);
		struct rule *withport = bpf_map_lookup_elem(&rules_v4, &k);
		k.port = 0;
		struct rule *anyport = bpf_map_lookup_elem(&rules_v4, &k);
		r = better(withport, anyport);
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)) < 0)
			return 1;
		l4 = ip6.nexthdr;
		if (l4 != IPPROTO_TCP && l4 != IPPROTO_UDP)
			return 1;
		if (bpf_skb_load_bytes(skb, off + sizeof(ip6), ports, sizeof(ports)) < 0)
			return 1;
		struct key6 k = {.prefixlen = 144, .port = ports[1]};
		__builtin_memcpy(k.addr, remote_is_src ? (void *)&ip6.saddr : (void *)&ip6.daddr, 16);
		struct rule *withport = bpf_map_lookup_elem(&rules_v6, &k);
		k.port = 0;
		struct rule *anyport = bpf_map_lookup_elem(&rules_v6, &k);
		r = better(withport, anyport);
	} else {
		return 1;
	}

	__u32 id = 0;
	__u32 deny = default_deny;
	if (r) {
		id = r->id;
		deny = r->action == ACTION_DENY;
	}
	__u64 *h = bpf_map_lookup_elem(&hits, &id);
	if (h)
		__sync_fetch_and_add(h, 1);
	return !deny;
}

SEC("tc")
int tcx_egress(struct __sk_buff *skb)
{
	return verdict(skb, ETH_HLEN, 0) ? TCX_NEXT : TCX_DROP;
}

SEC("tc")
int tcx_ingress(struct __sk_buff *skb)
{
	return verdict(skb, ETH_HLEN, 1) ? TCX_NEXT : TCX_DROP;
}

SEC("cgroup_skb/egress")
int cgroup_egress(struct __sk_buff *skb)
{
	return verdict(skb, 0, 0);
}

SEC("cgroup_skb/ingress")
int cgroup_ingress(struct __sk_buff *skb)
{
	return verdict(skb, 0, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
