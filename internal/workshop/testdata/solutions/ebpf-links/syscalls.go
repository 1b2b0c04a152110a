// Package ebpflinks counts system calls with a raw tracepoint program.
package ebpflinks

import (
	"context"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
)

// program adds 1 to the uint64 at key 0 of counts on every event.
func program(counts *ebpf.Map) *ebpf.ProgramSpec {
	return &ebpf.ProgramSpec{
		Name:    "count_syscalls",
		Type:    ebpf.RawTracepoint,
		License: "GPL",
		Instructions: asm.Instructions{
			asm.StoreImm(asm.RFP, -4, 0, asm.Word),
			asm.Mov.Reg(asm.R2, asm.RFP),
			asm.Add.Imm(asm.R2, -4),
			asm.LoadMapPtr(asm.R1, counts.FD()),
			asm.FnMapLookupElem.Call(),
			asm.JEq.Imm(asm.R0, 0, "out"),
			asm.Mov.Imm(asm.R1, 1),
			asm.StoreXAdd(asm.R0, asm.R1, asm.DWord),
			asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
			asm.Return(),
		},
	}
}

// Count attaches a counter to the sys_enter raw tracepoint, counts the
// system calls made on the machine until ctx is done, and returns the count.
// When it returns, the program is detached and every kernel object it made
// (map, program, link) is released.
func Count(ctx context.Context) (uint64, error) {
	counts, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1})
	if err != nil {
		return 0, err
	}
	defer counts.Close()
	prog, err := ebpf.NewProgram(program(counts))
	if err != nil {
		return 0, err
	}
	defer prog.Close()
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: prog})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	<-ctx.Done()
	var n uint64
	if err := counts.Lookup(uint32(0), &n); err != nil {
		return 0, err
	}
	return n, nil
}
