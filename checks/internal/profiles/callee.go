package profiles

import (
	"debug/elf"
	"encoding/binary"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
)

// Callees tells, for a return address in a binary's code, which function
// the call instruction before it called. A heap profile hides the
// runtime's frames at the leaf of a stack (runtime.convTstring,
// runtime.growslice, runtime.newobject …), so a sample of a line that
// allocated itself ends at the line's own frame; its address is the return
// address of the call into the runtime, and the call says which
// allocation it was: a line that boxes an int, appends and concatenates
// makes three kinds of samples, told apart here. Only direct calls are
// decoded (CALL rel32 on amd64, BL on arm64); anything else is "".
type Callees struct {
	f     *elf.File
	arch  elf.Machine
	exec  bool // ET_EXEC: run-time addresses are the file's addresses
	progs []*elf.Prog
	syms  []elf.Symbol // functions, by address
	memo  map[uint64]string
}

// OpenCallees reads the code and function symbols of an ELF binary (a test
// binary). Close it when done.
func OpenCallees(path string) (*Callees, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	syms, err := f.Symbols()
	if err != nil {
		f.Close()
		return nil, err
	}
	c := &Callees{f: f, arch: f.Machine, exec: f.Type == elf.ET_EXEC, memo: map[uint64]string{}}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
			c.syms = append(c.syms, s)
		}
	}
	sort.Slice(c.syms, func(i, j int) bool { return c.syms[i].Value < c.syms[j].Value })
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 {
			c.progs = append(c.progs, p)
		}
	}
	return c, nil
}

// Close releases the binary.
func (c *Callees) Close() error { return c.f.Close() }

// Callee returns the function that the call before loc's address (a
// return address, in the process its mapping describes) called, or "".
func (c *Callees) Callee(loc *profile.Location) string {
	if c == nil || loc == nil {
		return ""
	}
	addr := loc.Address
	if !c.exec {
		// A position-independent binary: the address relative to where
		// the mapping put the file.
		if loc.Mapping == nil || loc.Mapping.Start > addr {
			return ""
		}
		addr = addr - loc.Mapping.Start + loc.Mapping.Offset
		addr = c.fileToVaddr(addr)
	}
	if s, ok := c.memo[addr]; ok {
		return s
	}
	// runtime/pprof writes a frame's address as the return address less
	// one (inside the call instruction); other writers keep the return
	// address.
	s := c.decode(addr + 1)
	if s == "" {
		s = c.decode(addr)
	}
	if s == "" && (c.indirect(addr+1) || c.indirect(addr)) {
		s = Indirect
	}
	c.memo[addr] = s
	return s
}

// fileToVaddr turns a file offset into the virtual address the binary's
// program headers give it (0 when no executable segment holds it).
func (c *Callees) fileToVaddr(off uint64) uint64 {
	for _, p := range c.progs {
		if off >= p.Off && off < p.Off+p.Filesz {
			return off - p.Off + p.Vaddr
		}
	}
	return 0
}

// decode reads the call instruction ending at vaddr ret.
func (c *Callees) decode(ret uint64) string {
	var n uint64
	switch c.arch {
	case elf.EM_X86_64:
		n = 5
	case elf.EM_AARCH64:
		n = 4
	default:
		return ""
	}
	if ret < n {
		return ""
	}
	var code [5]byte
	if !c.read(ret-n, code[:n]) {
		return ""
	}
	var target uint64
	switch c.arch {
	case elf.EM_X86_64:
		if code[0] != 0xe8 { // CALL rel32
			return ""
		}
		target = ret + uint64(int64(int32(binary.LittleEndian.Uint32(code[1:5]))))
	case elf.EM_AARCH64:
		ins := binary.LittleEndian.Uint32(code[:4])
		if ins>>26 != 0b100101 { // BL imm26
			return ""
		}
		imm := int64(int32(ins<<6)) >> 4 // sign-extended imm26 × 4
		target = uint64(int64(ret-4) + imm)
	}
	return c.symbolAt(target)
}

// Indirect is what Callee says of a call through a register: an
// interface method or a func value, whose callee the code does not name.
const Indirect = "(indirect call)"

// indirect reports whether the instruction ending at ret is a call
// through a register, as Go compiles interface and func value calls
// (amd64: CALL reg, FF D0+r, with or without a REX prefix; arm64: BLR).
func (c *Callees) indirect(ret uint64) bool {
	switch c.arch {
	case elf.EM_X86_64:
		var b [3]byte
		if ret < 3 || !c.read(ret-3, b[:]) {
			return false
		}
		return b[1] == 0xff && b[2]&0xf8 == 0xd0 // (41) FF D0+r
	case elf.EM_AARCH64:
		var b [4]byte
		if ret < 4 || !c.read(ret-4, b[:]) {
			return false
		}
		return binary.LittleEndian.Uint32(b[:])&0xfffffc1f == 0xd63f0000
	}
	return false
}

func (c *Callees) read(vaddr uint64, buf []byte) bool {
	for _, p := range c.progs {
		if vaddr >= p.Vaddr && vaddr+uint64(len(buf)) <= p.Vaddr+p.Filesz {
			_, err := p.ReadAt(buf, int64(vaddr-p.Vaddr))
			return err == nil
		}
	}
	return false
}

// symbolAt names the function whose code holds addr.
func (c *Callees) symbolAt(addr uint64) string {
	i := sort.Search(len(c.syms), func(i int) bool { return c.syms[i].Value > addr }) - 1
	if i < 0 {
		return ""
	}
	s := c.syms[i]
	if s.Size != 0 && addr >= s.Value+s.Size {
		return ""
	}
	return strings.TrimSuffix(s.Name, ".abi0")
}

// Allocator families: the runtime functions a kind of allocation calls.
var allocators = map[string][]string{
	"box":    {"runtime.convT", "runtime.convT16", "runtime.convT32", "runtime.convT64", "runtime.convTstring", "runtime.convTslice", "runtime.convTnoptr"},
	"new":    {"runtime.newobject"},
	"slice":  {"runtime.makeslice", "runtime.makeslicecopy", "runtime.newobject"},
	"append": {"runtime.growslice"},
	"concat": {"runtime.concatstring2", "runtime.concatstring3", "runtime.concatstring4", "runtime.concatstring5", "runtime.concatstrings", "runtime.concatbyte2", "runtime.concatbyte3", "runtime.concatbyte4", "runtime.concatbyte5", "runtime.concatbytes"},
	"map":    {"runtime.makemap", "runtime.makemap_small", "runtime.newobject", "runtime.mapassign", "runtime.mapassign_faststr", "runtime.mapassign_fast32", "runtime.mapassign_fast64", "runtime.mapassign_fast64ptr"},
	"chan":   {"runtime.makechan"},
	"string": {"runtime.slicebytetostring", "runtime.slicerunetostring", "runtime.intstring"},
	"bytes":  {"runtime.stringtoslicebyte", "runtime.rawbyteslice", "runtime.stringtoslicerune"},
}

// IsAllocator reports whether via (an AllocLine's Via) is the runtime:
// the line allocated itself (a heap profile hides the runtime's frames, so
// a runtime function the line called, mapassign_faststr as much as
// newobject, allocated on the line's behalf).
func IsAllocator(via string) bool {
	return via == Self || strings.HasPrefix(via, "runtime.")
}

// Allocators returns the runtime functions that make the allocation an
// escape's message describes (the compiler's "X escapes to heap", "moved
// to heap: x"), or nil when the message does not tell. The compiler writes
// X as Go source ({...} for a literal's elements), so it is parsed: a
// make, new, append, literal, conversion or concatenation calls its own
// functions, a value that is none of these (a variable, a field) is boxed
// into an interface, and a call's result or a named type's conversion is
// left untold.
func Allocators(msg string) []string {
	if strings.HasPrefix(msg, "moved to heap: ") {
		return allocators["new"]
	}
	x, ok := strings.CutSuffix(msg, " escapes to heap")
	if !ok {
		return nil
	}
	if strings.HasPrefix(x, "... argument") || strings.HasPrefix(x, "func literal") {
		return allocators["new"]
	}
	e, err := parser.ParseExpr(strings.ReplaceAll(x, "{...}", "{}"))
	if err != nil {
		return nil
	}
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.StarExpr:
		return allocators["box"]
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return allocators["new"]
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			// A string escapes from the concatenation, or boxed into an
			// interface: the message does not say which.
			return append(slices.Clone(allocators["concat"]), allocators["box"]...)
		}
	case *ast.CompositeLit:
		switch e.Type.(type) {
		case *ast.ArrayType:
			return allocators["slice"]
		case *ast.MapType:
			return allocators["map"]
		}
	case *ast.CallExpr:
		switch fun := ast.Unparen(e.Fun).(type) {
		case *ast.Ident:
			switch fun.Name {
			case "make":
				if len(e.Args) > 0 {
					switch e.Args[0].(type) {
					case *ast.ArrayType:
						return allocators["slice"]
					case *ast.MapType:
						return allocators["map"]
					case *ast.ChanType:
						return allocators["chan"]
					}
				}
				return slices.Concat(allocators["slice"], allocators["map"], allocators["chan"])
			case "new":
				return allocators["new"]
			case "append":
				return allocators["append"]
			case "string":
				return slices.Concat(allocators["string"], allocators["box"])
			}
		case *ast.ArrayType:
			return slices.Concat(allocators["bytes"], allocators["box"]) // []byte(s), []rune(s)
		}
	}
	return nil
}
