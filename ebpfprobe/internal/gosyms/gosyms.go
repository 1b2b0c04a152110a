// Package gosyms opens a Go executable for the malloc tracer: it checks that
// it is an amd64 Go ≥ 1.17 binary (register ABI), finds runtime.mallocgc
// from the binary's own pclntab (which stripped binaries keep) and turns
// program counters into function, file and line.
package gosyms

import (
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Binary is an opened Go executable.
type Binary struct {
	Path      string
	GoVersion string // "go1.26.8"
	PIE       bool   // ET_DYN: addresses need the load bias
	// MallocgcOffset is runtime.mallocgc's file offset, what a uprobe needs.
	MallocgcOffset uint64
	table          *gosym.Table
	firstLoadVaddr uint64
}

// ErrNotGo is wrapped by Open for executables it cannot trace.
var ErrNotGo = errors.New("not a traceable Go binary")

// Open checks path and reads its symbol tables.
func Open(path string) (*Binary, error) {
	f, err := elf.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, err
		}
		return nil, fmt.Errorf("%s is not an ELF executable: %w", path, ErrNotGo)
	}
	defer func() { _ = f.Close() }() // read-only: a close error cannot lose data
	if f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%s is a %v binary; the mallocgc probe reads the amd64 register ABI: %w", path, f.Machine, ErrNotGo)
	}
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s has no Go build information (a C or other non-Go program?): %w", path, ErrNotGo)
	}
	if !atLeast117(bi.GoVersion) {
		return nil, fmt.Errorf("%s was built with %s; the probe needs Go ≥ 1.17 (register ABI puts the size in RAX): rebuild it with a newer Go: %w", path, bi.GoVersion, ErrNotGo)
	}
	b := &Binary{Path: path, GoVersion: bi.GoVersion, PIE: f.Type == elf.ET_DYN}
	pcln := f.Section(".gopclntab")
	text := f.Section(".text")
	if pcln == nil || text == nil {
		return nil, fmt.Errorf("%s has no .gopclntab: %w", path, ErrNotGo)
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, fmt.Errorf("reading %s .gopclntab: %w", path, err)
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, fmt.Errorf("parsing %s .gopclntab: %w", path, err)
	}
	b.table = tab
	fn := tab.LookupFunc("runtime.mallocgc")
	if fn == nil {
		return nil, fmt.Errorf("%s has no runtime.mallocgc: %w", path, ErrNotGo)
	}
	found := false
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if b.firstLoadVaddr == 0 && p.Off == 0 {
			b.firstLoadVaddr = p.Vaddr
		}
		if p.Flags&elf.PF_X != 0 && p.Vaddr <= fn.Entry && fn.Entry < p.Vaddr+p.Memsz {
			b.MallocgcOffset = fn.Entry - p.Vaddr + p.Off
			found = true
			code := make([]byte, 16)
			if _, err := p.ReadAt(code, int64(fn.Entry-p.Vaddr)); err == nil {
				b.MallocgcOffset += uint64(pushOffset(code))
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("%s: runtime.mallocgc is outside every executable segment: %w", path, ErrNotGo)
	}
	return b, nil
}

// pushOffset finds the PUSHQ BP that follows Go's stack-bound check at the
// start of a function (CMPQ SP, 16(R14); JBE morestack; PUSHQ BP) and
// returns its offset, or 0 when the prologue looks different. Probing there
// instead of at the entry counts a call once even when it grows its stack
// (the entry runs again after morestack), RAX still holds the first
// argument, and the kernel can emulate a push instead of single-stepping it.
func pushOffset(code []byte) int {
	if len(code) < 16 || code[0] != 0x49 || code[1] != 0x3b || code[2] != 0x66 || code[3] != 0x10 {
		return 0
	}
	switch {
	case code[4] == 0x76 && code[6] == 0x55: // JBE rel8
		return 6
	case code[4] == 0x0f && code[5] == 0x86 && code[10] == 0x55: // JBE rel32
		return 10
	}
	return 0
}

func atLeast117(v string) bool {
	v = strings.TrimPrefix(v, "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return major > 1 || (major == 1 && minor >= 17)
}

// Frame is one symbolized program counter.
type Frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// Lookup symbolizes a virtual address of the unrelocated binary.
func (b *Binary) Lookup(pc uint64) (Frame, bool) {
	file, line, fn := b.table.PCToLine(pc)
	if fn == nil {
		return Frame{}, false
	}
	return Frame{Function: fn.Name, File: file, Line: line}, true
}

// Bias returns the load bias of a PIE in process pid (0 for non-PIE):
// runtime address − bias = address in the file's virtual space.
func (b *Binary) Bias(pid int) (uint64, error) {
	if !b.PIE {
		return 0, nil
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return 0, err
	}
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 6 || fs[5] != exe || fs[2] != "00000000" {
			continue
		}
		start, err := strconv.ParseUint(strings.SplitN(fs[0], "-", 2)[0], 16, 64)
		if err != nil {
			return 0, err
		}
		return start - b.firstLoadVaddr, nil
	}
	return 0, fmt.Errorf("no mapping of %s in process %d", exe, pid)
}
