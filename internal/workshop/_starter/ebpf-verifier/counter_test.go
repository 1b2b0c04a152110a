package ebpfverifier

import (
	"errors"
	"os"
	"testing"

	"github.com/cilium/ebpf"

	"example.com/workshop/internal/measure"
)

func TestCounterLoadsAndCounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_BPF): run the grader with sudo")
	}
	counts, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Hash, KeySize: 4, ValueSize: 8, MaxEntries: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = counts.Close() }()
	if err := counts.Put(uint32(0), uint64(0)); err != nil {
		t.Fatal(err)
	}
	prog, err := NewCounter(counts)
	if ve, ok := errors.AsType[*ebpf.VerifierError](err); ok {
		measure.Report(t, "verifier_rejected", 1)
		t.Fatalf("the verifier rejects the program:\n%+v", ve)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = prog.Close() }()
	measure.Report(t, "verifier_rejected", 0)
	packet := make([]byte, 64) // an Ethernet frame's worth of zeros
	if _, err := prog.Run(&ebpf.RunOptions{Data: packet, Repeat: 7}); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := counts.Lookup(uint32(0), &n); err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Fatalf("counter = %d after 7 packets", n)
	}
}
