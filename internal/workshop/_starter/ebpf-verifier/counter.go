// Package ebpfverifier counts packets with a socket filter written in
// cilium/ebpf's assembler.
package ebpfverifier

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// NewCounter loads a socket filter that adds 1 to the uint64 at key 0 of
// counts (a Hash map from uint32 to uint64,
// the key present) for every packet, and keeps the packet.
func NewCounter(counts *ebpf.Map) (*ebpf.Program, error) {
	insns := asm.Instructions{
		// key := uint32(0), on the stack at fp-4
		asm.StoreImm(asm.RFP, -4, 0, asm.Word),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.LoadMapPtr(asm.R1, counts.FD()),
		// r0 = bpf_map_lookup_elem(counts, &key): the value's address, or NULL
		asm.FnMapLookupElem.Call(),
		// *r0 += 1, atomically
		asm.Mov.Imm(asm.R1, 1),
		asm.StoreXAdd(asm.R0, asm.R1, asm.DWord),
		// return -1: keep the whole packet
		asm.Mov.Imm(asm.R0, -1),
		asm.Return(),
	}
	return ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         "count_packets",
		Type:         ebpf.SocketFilter,
		License:      "MIT",
		Instructions: insns,
	})
}
