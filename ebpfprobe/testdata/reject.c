// reject.c: an object the verifier must reject (a map value used without
// the NULL check), for `gocap ebpf load` tests. Built by `make generate`:
//   clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I../internal/bpf/headers -c reject.c -o reject.o
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH); // an array with a constant key would be known non-NULL
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counter SEC(".maps");

SEC("raw_tracepoint/sys_enter")
int count_syscalls(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&counter, &k);
	*v += 1; // no NULL check: "invalid mem access 'map_value_or_null'"
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
