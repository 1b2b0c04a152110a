package ebpfprobe

import (
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/arch/x86/x86asm"

	"github.com/gocap/gocap/ebpfprobe/internal/gosyms"
)

// ErrNoSTWSymbols is wrapped by TraceGC's error when a Go binary lacks the
// runtime functions the stop-the-world probes need (a runtime older than Go
// 1.22, or a binary whose pclntab was removed).
var ErrNoSTWSymbols = errors.New("no stop-the-world symbols")

// stwProbes are the file offsets TraceGC attaches to.
type stwProbes struct {
	GoVersion string
	Stop      uint64   // runtime.stopTheWorldWithSema, after its stack check
	Start     uint64   // runtime.startTheWorldWithSema, after its stack check
	Record    []uint64 // CALL runtime.(*timeHistogram).record inside startTheWorldWithSema
}

const (
	symStop   = "runtime.stopTheWorldWithSema"
	symStart  = "runtime.startTheWorldWithSema"
	symRecord = "runtime.(*timeHistogram).record"
)

// findSTWProbes opens a Go executable and finds where the pause probes go.
// The register layout it relies on (reason in AL at stop; worldStop in
// RBX, RCX, RDI at start; the duration in RBX at each record call) is that
// of Go 1.22 and later on amd64, checked on go1.26.
func findSTWProbes(path string) (*stwProbes, error) {
	bin, err := gosyms.Open(path) // amd64, Go ≥ 1.17, a pclntab
	if err != nil {
		return nil, err
	}
	if !goAtLeast(bin.GoVersion, 1, 22) {
		return nil, fmt.Errorf("%s was built with %s: the stop-the-world probes need Go ≥ 1.22 (worldStop passed in registers); rebuild it with a newer Go: %w", path, bin.GoVersion, ErrNoSTWSymbols)
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only: a close error cannot lose data
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return nil, fmt.Errorf("%s has no .gopclntab: %w", path, ErrNoSTWSymbols)
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, fmt.Errorf("reading %s .gopclntab: %w", path, err)
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, fmt.Errorf("parsing %s .gopclntab: %w", path, err)
	}
	var missing []string
	funcs := map[string]*gosym.Func{}
	for _, name := range []string{symStop, symStart, symRecord} {
		fn := tab.LookupFunc(name)
		if fn == nil {
			missing = append(missing, name)
			continue
		}
		funcs[name] = fn
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s (%s) has no %s: %w", path, bin.GoVersion, strings.Join(missing, ", "), ErrNoSTWSymbols)
	}
	p := &stwProbes{GoVersion: bin.GoVersion}
	stop, err := funcCode(f, funcs[symStop])
	if err != nil {
		return nil, err
	}
	start, err := funcCode(f, funcs[symStart])
	if err != nil {
		return nil, err
	}
	p.Stop = stop.off + uint64(afterStackCheck(stop.code))
	p.Start = start.off + uint64(afterStackCheck(start.code))
	for _, at := range callSites(start.code, start.vaddr, funcs[symRecord].Entry) {
		p.Record = append(p.Record, start.off+uint64(at))
	}
	return p, nil
}

type funcBytes struct {
	vaddr, off uint64
	code       []byte
}

// funcCode reads a function's machine code and its file offset.
func funcCode(f *elf.File, fn *gosym.Func) (funcBytes, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Flags&elf.PF_X == 0 || fn.Entry < p.Vaddr || fn.End > p.Vaddr+p.Filesz {
			continue
		}
		code := make([]byte, fn.End-fn.Entry)
		if _, err := p.ReadAt(code, int64(fn.Entry-p.Vaddr)); err != nil {
			return funcBytes{}, fmt.Errorf("reading %s: %w", fn.Name, err)
		}
		return funcBytes{vaddr: fn.Entry, off: fn.Entry - p.Vaddr + p.Off, code: code}, nil
	}
	return funcBytes{}, fmt.Errorf("%s is outside every executable segment: %w", fn.Name, ErrNoSTWSymbols)
}

// afterStackCheck returns the offset of the PUSHQ BP that follows Go's
// stack-bound check (CMPQ SP, 16(R14) or LEAQ -n(SP), R12; CMPQ R12, …;
// then JBE morestack), or 0 when the prologue looks different. A probe
// there runs once per call (the entry runs again after morestack), the
// argument registers are untouched, and the kernel emulates the push
// instead of single-stepping the instruction (≈1 µs a hit instead of 11).
func afterStackCheck(code []byte) int {
	off, sawJump := 0, false
	for i := 0; i < 4 && off < len(code); i++ {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			return 0
		}
		switch {
		case inst.Op == x86asm.JBE:
			sawJump = true
		case inst.Op == x86asm.PUSH && inst.Args[0] == x86asm.RBP:
			if sawJump {
				return off
			}
			return 0
		}
		off += inst.Len
	}
	return 0
}

// callSites decodes code (loaded at vaddr) and returns the offsets of the
// direct CALLs to target.
func callSites(code []byte, vaddr, target uint64) []int {
	var out []int
	for off := 0; off < len(code); {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			off++ // padding (INT3) between blocks
			continue
		}
		if inst.Op == x86asm.CALL {
			if rel, ok := inst.Args[0].(x86asm.Rel); ok {
				if vaddr+uint64(off)+uint64(inst.Len)+uint64(int64(rel)) == target {
					out = append(out, off)
				}
			}
		}
		off += inst.Len
	}
	return out
}

// goAtLeast reports whether a "go1.N[.P]" version is at least major.minor.
func goAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(strings.TrimPrefix(v, "go"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	digits := parts[1]
	if i := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		digits = digits[:i] // 26rc1
	}
	mi, err2 := strconv.Atoi(digits)
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

// stwReasons are the runtime's stwReason names (runtime/proc.go,
// stwReasonStrings; stable since Go 1.22 for the first twelve).
var stwReasons = []string{
	"unknown", "GC mark termination", "GC sweep termination", "write heap dump",
	"goroutine profile", "goroutine profile cleanup", "all goroutines stack trace",
	"read mem stats", "AllThreadsSyscall", "GOMAXPROCS", "start trace", "stop trace",
	"CountPagesInUse (test)", "ReadMetricsSlow (test)", "ReadMemStatsSlow (test)",
	"PageCachePagesLeaked (test)", "ResetDebugLog (test)",
}

// stwReasonName names a runtime stwReason value.
func stwReasonName(r uint8) string {
	if int(r) < len(stwReasons) {
		return stwReasons[r]
	}
	return "reason " + strconv.Itoa(int(r))
}

// stwIsGC reports whether a reason is one of the two GC pauses.
func stwIsGC(r uint8) bool { return r == 1 || r == 2 }
