// Package wasmbin reads the module-level facts gocap inspects (imports,
// exports, memories, custom sections, start) from a WebAssembly binary
// without compiling it. wazero decodes a module only as part of compiling it
// (seconds for a Go module), so inspect and the pre-compile allow-list check
// read the sections here; wazero still decodes and validates everything at
// load. Every read is bounds-checked: arbitrary bytes give an error, never a
// panic (see FuzzInspect).
package wasmbin

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Import is one import of a module.
type Import struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	// Kind is func, table, memory, global or tag.
	Kind string `json:"kind"`
	// Type is the function signature ("(i32, i32) -> i32") or the limits.
	Type string `json:"type,omitempty"`
}

// Export is one export of a module.
type Export struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Type string `json:"type,omitempty"`
}

// Memory is one memory, declared or imported. Sizes are in 64 KiB pages.
type Memory struct {
	Min      uint64 `json:"min_pages"`
	Max      uint64 `json:"max_pages,omitempty"`
	HasMax   bool   `json:"has_max"`
	Imported bool   `json:"imported,omitempty"`
	Memory64 bool   `json:"memory64,omitempty"`
	Shared   bool   `json:"shared,omitempty"`
}

// CustomSection is a custom section's name and size in bytes.
type CustomSection struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

// Module is what Parse reads.
type Module struct {
	Imports        []Import
	Exports        []Export
	Memories       []Memory
	CustomSections []CustomSection
	HasStart       bool
	DataSegments   int
}

// ErrNotWasm is returned for input that does not start with the wasm magic.
var ErrNotWasm = errors.New("not a WebAssembly binary (no \\0asm magic)")

type reader struct {
	b   []byte
	off int
}

var errEOF = errors.New("unexpected end of input")

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errEOF
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

// uleb reads an unsigned LEB128 of at most bits bits.
func (r *reader) uleb(bits uint) (uint64, error) {
	var v uint64
	var shift uint
	for {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if shift >= bits {
			return 0, errors.New("integer too long")
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if bits < 64 && v>>bits != 0 {
				return 0, errors.New("integer too large")
			}
			return v, nil
		}
		shift += 7
	}
}

func (r *reader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

func (r *reader) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)-r.off) {
		return nil, errEOF
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(uint64(n))
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", errors.New("name is not UTF-8")
	}
	return string(b), nil
}

// count reads a vector length and rejects counts the remaining bytes cannot hold.
func (r *reader) count() (int, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if uint64(n) > uint64(len(r.b)-r.off) {
		return 0, fmt.Errorf("vector of %d entries exceeds the section", n)
	}
	return int(n), nil
}

var valTypes = map[byte]string{0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref"}

func (r *reader) valtypes() ([]string, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	for range n {
		c, err := r.byte()
		if err != nil {
			return nil, err
		}
		t, ok := valTypes[c]
		if !ok {
			return nil, fmt.Errorf("unknown value type 0x%x", c)
		}
		out = append(out, t)
	}
	return out, nil
}

func (r *reader) limits() (Memory, error) {
	var m Memory
	flag, err := r.byte()
	if err != nil {
		return m, err
	}
	if flag > 7 {
		return m, fmt.Errorf("invalid limits flag 0x%x", flag)
	}
	bits := uint(32)
	if flag&4 != 0 {
		bits, m.Memory64 = 64, true
	}
	m.Shared = flag&2 != 0
	if m.Min, err = r.uleb(bits); err != nil {
		return m, err
	}
	if flag&1 != 0 {
		m.HasMax = true
		if m.Max, err = r.uleb(bits); err != nil {
			return m, err
		}
		if m.Max < m.Min {
			return m, fmt.Errorf("memory max %d < min %d", m.Max, m.Min)
		}
	}
	return m, nil
}

func sig(params, results []string) string {
	s := "(" + strings.Join(params, ", ") + ")"
	if len(results) > 0 {
		s += " -> " + strings.Join(results, ", ")
	}
	return s
}

func limitsString(m Memory) string {
	if m.HasMax {
		return fmt.Sprintf("pages %d..%d", m.Min, m.Max)
	}
	return fmt.Sprintf("pages %d..", m.Min)
}

var kinds = []string{"func", "table", "memory", "global", "tag"}

// Parse reads a module's sections. It returns an error for malformed input
// and never panics.
func Parse(b []byte) (*Module, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, ErrNotWasm
	}
	if b[4] != 1 || b[5] != 0 || b[6] != 0 || b[7] != 0 {
		return nil, fmt.Errorf("unsupported binary version %x (want 1: wasip2 components are not supported)", b[4:8])
	}
	m := &Module{}
	var types []string
	var funcTypes []uint32 // imported functions first, then defined
	r := &reader{b: b, off: 8}
	lastID := byte(0)
	for r.off < len(b) {
		id, _ := r.byte()
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("section %d header at offset %d: %w", id, r.off, err)
		}
		body, err := r.bytes(uint64(size))
		if err != nil {
			return nil, fmt.Errorf("section %d at offset %d: size %d runs past the end (truncated?)", id, r.off, size)
		}
		if id != 0 {
			if id <= lastID && id <= 11 {
				return nil, fmt.Errorf("section %d out of order", id)
			}
			if id <= 11 {
				lastID = id
			}
		}
		s := &reader{b: body}
		if err := parseSection(m, id, s, &types, &funcTypes); err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
	}
	return m, nil
}

func parseSection(m *Module, id byte, s *reader, types *[]string, funcTypes *[]uint32) error {
	switch id {
	case 0:
		name, err := s.name()
		if err != nil {
			return err
		}
		m.CustomSections = append(m.CustomSections, CustomSection{Name: name, Size: len(s.b) - s.off})
		return nil
	case 1:
		n, err := s.count()
		if err != nil {
			return err
		}
		for range n {
			form, err := s.byte()
			if err != nil {
				return err
			}
			if form != 0x60 {
				return fmt.Errorf("type form 0x%x is not a function type", form)
			}
			ps, err := s.valtypes()
			if err != nil {
				return err
			}
			rs, err := s.valtypes()
			if err != nil {
				return err
			}
			*types = append(*types, sig(ps, rs))
		}
	case 2:
		n, err := s.count()
		if err != nil {
			return err
		}
		for range n {
			var im Import
			if im.Module, err = s.name(); err != nil {
				return err
			}
			if im.Name, err = s.name(); err != nil {
				return err
			}
			k, err := s.byte()
			if err != nil {
				return err
			}
			if int(k) >= len(kinds) {
				return fmt.Errorf("import %s.%s: unknown kind 0x%x", im.Module, im.Name, k)
			}
			im.Kind = kinds[k]
			switch k {
			case 0:
				t, err := s.u32()
				if err != nil {
					return err
				}
				if int(t) >= len(*types) {
					return fmt.Errorf("import %s.%s: type index %d out of range", im.Module, im.Name, t)
				}
				im.Type = (*types)[t]
				*funcTypes = append(*funcTypes, t)
			case 1:
				if _, err := s.byte(); err != nil {
					return err
				}
				l, err := s.limits()
				if err != nil {
					return err
				}
				im.Type = limitsString(l)
			case 2:
				l, err := s.limits()
				if err != nil {
					return err
				}
				l.Imported = true
				m.Memories = append(m.Memories, l)
				im.Type = limitsString(l)
			case 3:
				c, err := s.byte()
				if err != nil {
					return err
				}
				im.Type = valTypes[c]
				if _, err := s.byte(); err != nil {
					return err
				}
			case 4:
				if _, err := s.byte(); err != nil {
					return err
				}
				if _, err := s.u32(); err != nil {
					return err
				}
			}
			m.Imports = append(m.Imports, im)
		}
	case 3:
		n, err := s.count()
		if err != nil {
			return err
		}
		for range n {
			t, err := s.u32()
			if err != nil {
				return err
			}
			if int(t) >= len(*types) {
				return fmt.Errorf("function type index %d out of range", t)
			}
			*funcTypes = append(*funcTypes, t)
		}
	case 5:
		n, err := s.count()
		if err != nil {
			return err
		}
		for range n {
			l, err := s.limits()
			if err != nil {
				return err
			}
			m.Memories = append(m.Memories, l)
		}
	case 7:
		n, err := s.count()
		if err != nil {
			return err
		}
		for range n {
			var ex Export
			if ex.Name, err = s.name(); err != nil {
				return err
			}
			k, err := s.byte()
			if err != nil {
				return err
			}
			if int(k) >= len(kinds) {
				return fmt.Errorf("export %q: unknown kind 0x%x", ex.Name, k)
			}
			ex.Kind = kinds[k]
			idx, err := s.u32()
			if err != nil {
				return err
			}
			if k == 0 {
				if int(idx) >= len(*funcTypes) {
					return fmt.Errorf("export %q: function index %d out of range", ex.Name, idx)
				}
				ex.Type = (*types)[(*funcTypes)[idx]]
			}
			m.Exports = append(m.Exports, ex)
		}
	case 8:
		m.HasStart = true
		return nil
	case 11:
		n, err := s.count()
		if err != nil {
			return err
		}
		m.DataSegments = n
		return nil
	default:
		return nil
	}
	if s.off != len(s.b) {
		return fmt.Errorf("%d trailing bytes", len(s.b)-s.off)
	}
	return nil
}
