// Package ebpfmapread reads the counters an eBPF program keeps in maps.
package ebpfmapread

import (
	"net/netip"

	"github.com/cilium/ebpf"
)

// Total returns the packet count at key 0 of m, a PerCPUArray of uint64:
// each CPU has its own slot, and the total is their sum.
func Total(m *ebpf.Map) (uint64, error) {
	var perCPU []uint64
	if err := m.Lookup(uint32(0), &perCPU); err != nil {
		return 0, err
	}
	var sum uint64
	for _, v := range perCPU {
		sum += v
	}
	return sum, nil
}

// BytesFrom returns the bytes counted for the IPv4 address ip in m, a Hash
// map whose key is the address in network byte order (4 bytes, as the
// program reads it from the IP header) and whose value is a uint64.
func BytesFrom(m *ebpf.Map, ip netip.Addr) (uint64, error) {
	key := ip.As4() // [4]byte: marshalled as is, in network order
	var v uint64
	if err := m.Lookup(key, &v); err != nil {
		return 0, err
	}
	return v, nil
}
