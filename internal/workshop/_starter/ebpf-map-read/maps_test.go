package ebpfmapread

import (
	"net/netip"
	"os"
	"testing"

	"github.com/cilium/ebpf"
)

func TestTotalSumsEveryCPU(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_BPF): run the grader with sudo")
	}
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	n, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]uint64, n)
	var want uint64
	for i := range vals {
		vals[i] = uint64(10 * (i + 1))
		want += vals[i]
	}
	if err := m.Put(uint32(0), vals); err != nil {
		t.Fatal(err)
	}
	got, err := Total(m)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Total = %d, want %d (the sum over %d CPUs)", got, want, n)
	}
}

func TestBytesFromNetworkOrderKey(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_BPF): run the grader with sudo")
	}
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Hash, KeySize: 4, ValueSize: 8, MaxEntries: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	// What the program stores: the 4 address bytes as they sit in the packet.
	if err := m.Put([4]byte{10, 0, 0, 1}, uint64(1500)); err != nil {
		t.Fatal(err)
	}
	got, err := BytesFrom(m, netip.MustParseAddr("10.0.0.1"))
	if err != nil {
		t.Fatalf("BytesFrom(10.0.0.1): %v: the key's bytes are not the ones the program wrote", err)
	}
	if got != 1500 {
		t.Fatalf("BytesFrom = %d, want 1500", got)
	}
}
