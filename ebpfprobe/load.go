package ebpfprobe

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/gocap/gocap/ebpfprobe/internal/golayout"
)

// ErrBadObject is wrapped when a file is not a usable eBPF ELF object.
var ErrBadObject = errors.New("not a valid eBPF object")

// ProgramReport is one program of an object after loading.
type ProgramReport struct {
	Name         string `json:"name"`
	Section      string `json:"section"`
	Type         string `json:"type"`
	Instructions int    `json:"instructions"`    // in the object
	Processed    int    `json:"insns_processed"` // verifier: instructions processed
	TotalStates  int    `json:"total_states"`    // verifier: states explored
	PeakStates   int    `json:"peak_states"`     // verifier: peak states
	Verified     uint32 `json:"verified_insns"`  // kernel's count after load
	VerifierLine string `json:"verifier_stats"`  // the "processed ..." line
}

// MapReport is one map with its sizes and their BTF types.
type MapReport struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	KeySize    uint32 `json:"key_size"`
	ValueSize  uint32 `json:"value_size"`
	MaxEntries uint32 `json:"max_entries"`
	Flags      uint32 `json:"flags,omitempty"`
	KeyBTF     string `json:"key_btf,omitempty"`
	ValueBTF   string `json:"value_btf,omitempty"`
	// Mismatch says when a declared size differs from its BTF type's size.
	Mismatch string `json:"mismatch,omitempty"`
}

// Rejection is why the kernel refused an object.
type Rejection struct {
	Program string   `json:"program,omitempty"`
	Error   string   `json:"error"`
	LogTail []string `json:"log_tail"` // the verifier log's last lines
}

// StructCheck compares a BTF type of the object with a Go struct.
type StructCheck struct {
	Spec     string   `json:"spec"`     // as given: NAME=FILE.go:Type
	BTFType  string   `json:"btf"`      // BTF type name and size
	GoType   string   `json:"go"`       // Go type and size
	Problems []string `json:"problems"` // empty: layouts agree
}

// ObjectReport is what Inspect found.
type ObjectReport struct {
	File     string          `json:"file"`
	Programs []ProgramReport `json:"programs"`
	Maps     []MapReport     `json:"maps"`
	Loaded   bool            `json:"loaded"`
	Rejected *Rejection      `json:"rejected,omitempty"`
	Structs  []StructCheck   `json:"struct_checks,omitempty"`
}

// RejectedError is returned (with the report) when the verifier refuses.
type RejectedError struct{ R *Rejection }

func (e *RejectedError) Error() string {
	if e.R.Program != "" {
		return "the verifier rejected program " + e.R.Program + ": " + e.R.Error
	}
	return "the kernel rejected the object: " + e.R.Error
}

// logTailLines is how much of a verifier log a rejection keeps.
const logTailLines = 20

var (
	statsRe   = regexp.MustCompile(`processed (\d+) insns .*?total_states (\d+) peak_states (\d+)`)
	progErrRe = regexp.MustCompile(`program ([A-Za-z0-9_]+):`)
)

// isELF reports whether the file at path starts with the ELF magic (a file
// shorter than the magic is not ELF); the error is for a file it cannot read.
func isELF(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	magic := make([]byte, len(elf.ELFMAG))
	if _, err := io.ReadFull(f, magic); err != nil {
		return false, nil
	}
	return string(magic) == elf.ELFMAG, nil
}

// Inspect parses an eBPF ELF object, loads it (the verifier runs), reports
// each program and map, then unloads everything. structChecks are
// NAME=FILE.go:Type: NAME is MAP.key, MAP.value or a BTF struct name.
// A file that is not an object wraps ErrBadObject; a verifier rejection
// returns the report and a *RejectedError.
func Inspect(path string, structChecks []string) (*ObjectReport, error) {
	spec, err := ebpf.LoadCollectionSpec(path)
	if err != nil {
		if elf, err := isELF(path); err == nil && !elf {
			// The ELF reader's "bad magic number" says little to a person.
			return nil, fmt.Errorf("%s: %w: not an ELF file (compile the C program with clang -target bpf -c prog.c -o prog.o)", path, ErrBadObject)
		}
		return nil, fmt.Errorf("%s: %w: %w", path, ErrBadObject, err)
	}
	rep := &ObjectReport{File: path}
	for _, name := range sortedKeys(spec.Maps) {
		m := spec.Maps[name]
		mr := MapReport{Name: name, Type: m.Type.String(), KeySize: m.KeySize, ValueSize: m.ValueSize, MaxEntries: m.MaxEntries, Flags: m.Flags}
		var bad []string
		if _, void := m.Key.(*btf.Void); void {
			m.Key = nil
		}
		if _, void := m.Value.(*btf.Void); void {
			m.Value = nil
		}
		if m.Key != nil {
			mr.KeyBTF = btfName(m.Key)
			if sz, err := btf.Sizeof(m.Key); err == nil && uint32(sz) != m.KeySize && m.KeySize != 0 {
				bad = append(bad, fmt.Sprintf("key: size %d but BTF %s is %d bytes", m.KeySize, mr.KeyBTF, sz))
			}
		}
		if m.Value != nil {
			mr.ValueBTF = btfName(m.Value)
			if sz, err := btf.Sizeof(m.Value); err == nil && uint32(sz) != m.ValueSize && m.ValueSize != 0 {
				bad = append(bad, fmt.Sprintf("value: size %d but BTF %s is %d bytes", m.ValueSize, mr.ValueBTF, sz))
			}
		}
		mr.Mismatch = strings.Join(bad, "; ")
		rep.Maps = append(rep.Maps, mr)
	}
	for _, name := range sortedKeys(spec.Programs) {
		p := spec.Programs[name]
		rep.Programs = append(rep.Programs, ProgramReport{Name: name, Section: p.SectionName, Type: p.Type.String(), Instructions: len(p.Instructions)})
	}
	for _, sc := range structChecks {
		c, err := checkStruct(spec, sc)
		if err != nil {
			return nil, err
		}
		rep.Structs = append(rep.Structs, *c)
	}
	if err := require(need{perf: true}); err != nil {
		return nil, err
	}

	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{
		Programs: ebpf.ProgramOptions{LogLevel: ebpf.LogLevelStats},
	})
	if err != nil {
		rj := &Rejection{Error: err.Error()}
		if m := progErrRe.FindStringSubmatch(err.Error()); m != nil {
			rj.Program = m[1]
		}
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			rj.Error = fmt.Sprintf("%v", ve.Cause)
			lines := ve.Log
			if len(lines) > logTailLines {
				lines = lines[len(lines)-logTailLines:]
			}
			rj.LogTail = lines
		}
		rep.Rejected = rj
		return rep, &RejectedError{R: rj}
	}
	defer coll.Close()
	rep.Loaded = true
	for i := range rep.Programs {
		pr := &rep.Programs[i]
		prog := coll.Programs[pr.Name]
		if prog == nil {
			continue
		}
		for _, line := range strings.Split(prog.VerifierLog, "\n") {
			if m := statsRe.FindStringSubmatch(line); m != nil {
				pr.VerifierLine = strings.TrimSpace(line)
				pr.Processed, _ = strconv.Atoi(m[1])
				pr.TotalStates, _ = strconv.Atoi(m[2])
				pr.PeakStates, _ = strconv.Atoi(m[3])
			}
		}
		if info, err := prog.Info(); err == nil {
			pr.Verified, _ = info.VerifiedInstructions()
		}
	}
	return rep, nil
}

func btfName(t btf.Type) string {
	t = btf.UnderlyingType(t)
	name := t.TypeName()
	switch t.(type) {
	case *btf.Struct:
		name = "struct " + name
	case *btf.Union:
		name = "union " + name
	case *btf.Array:
		name = "array"
	}
	if name == "" || name == "struct " {
		name = fmt.Sprintf("%T", t)
	}
	sz, err := btf.Sizeof(t)
	if err == nil {
		name += " (" + strconv.Itoa(sz) + " bytes)"
	}
	return name
}

// checkStruct compares a BTF type with a Go struct's layout.
func checkStruct(spec *ebpf.CollectionSpec, s string) (*StructCheck, error) {
	name, goref, ok := strings.Cut(s, "=")
	file, typ, ok2 := strings.Cut(goref, ".go:")
	if !ok || !ok2 || name == "" || typ == "" {
		return nil, fmt.Errorf("--check-struct %q: want NAME=FILE.go:Type (NAME: MAP.key, MAP.value or a BTF struct name)", s)
	}
	file += ".go"
	var bt btf.Type
	if m, part, ok := strings.Cut(name, "."); ok {
		ms := spec.Maps[m]
		if ms == nil {
			return nil, fmt.Errorf("--check-struct %q: the object has no map %q", s, m)
		}
		switch part {
		case "key":
			bt = ms.Key
		case "value":
			bt = ms.Value
		default:
			return nil, fmt.Errorf("--check-struct %q: %q: use MAP.key or MAP.value", s, name)
		}
		if bt == nil {
			return nil, fmt.Errorf("--check-struct %q: map %s has no BTF %s type", s, m, part)
		}
	} else {
		var st *btf.Struct
		if spec.Types == nil {
			return nil, fmt.Errorf("--check-struct %q: the object has no BTF", s)
		}
		if err := spec.Types.TypeByName(name, &st); err != nil {
			return nil, fmt.Errorf("--check-struct %q: no BTF struct %q in the object", s, name)
		}
		bt = st
	}
	gl, err := golayout.Of(file, typ)
	if err != nil {
		return nil, fmt.Errorf("--check-struct %q: %w", s, err)
	}
	bt = btf.UnderlyingType(bt)
	c := &StructCheck{Spec: s, BTFType: btfName(bt), GoType: fmt.Sprintf("%s (%d bytes)", typ, gl.Size)}
	bsz, err := btf.Sizeof(bt)
	if err != nil {
		return nil, fmt.Errorf("--check-struct %q: %w", s, err)
	}
	if int64(bsz) != gl.Size {
		c.Problems = append(c.Problems, fmt.Sprintf("size: BTF %d bytes, Go %d bytes", bsz, gl.Size))
	}
	st, ok := bt.(*btf.Struct)
	if !ok {
		return c, nil
	}
	byOff := map[int64]golayout.Field{}
	for _, f := range gl.Fields {
		byOff[f.Offset] = f
	}
	for _, m := range st.Members {
		off := int64(m.Offset.Bytes())
		msz, err := btf.Sizeof(m.Type)
		if err != nil {
			continue
		}
		gf, ok := byOff[off]
		switch {
		case !ok:
			c.Problems = append(c.Problems, fmt.Sprintf("field %s: BTF offset %d, no Go field there", m.Name, off))
		case gf.Size != int64(msz):
			c.Problems = append(c.Problems, fmt.Sprintf("field %s at offset %d: BTF %d bytes, Go %s %d bytes", m.Name, off, msz, gf.Name, gf.Size))
		}
	}
	return c, nil
}
