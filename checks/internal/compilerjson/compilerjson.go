// Package compilerjson reads the optimisation diagnostics the gc compiler
// writes with -json=0,file://DIR: one file per source file under
// DIR/<escaped import path>/, a header line then one LSP Diagnostic per line.
package compilerjson

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Header is the first line of each file.
type Header struct {
	Version   int    `json:"version"`
	Package   string `json:"package"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	GCVersion string `json:"gc_version"`
	File      string `json:"file"`
}

// Position is an LSP position; the compiler writes 1-based lines and columns.
type Position struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// Range is an LSP range.
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Related is one relatedInformation entry: an escflow explanation line or an
// inlineLoc marker.
type Related struct {
	Location struct {
		URI   string `json:"uri"`
		Range Range  `json:"range"`
	} `json:"location"`
	Message string `json:"message"`
}

// Diagnostic is one compiler diagnostic.
type Diagnostic struct {
	Range   Range     `json:"range"`
	Code    string    `json:"code"`
	Message string    `json:"message"`
	Related []Related `json:"relatedInformation"`
}

// File is one decoded file.
type File struct {
	Header      Header
	Diagnostics []Diagnostic
}

// Decode reads one file.
func Decode(r io.Reader) (*File, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20) // lines up to 16 MiB; the scanner starts small
	f := &File{}
	first := true
	for sc.Scan() {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		if first {
			if err := json.Unmarshal(b, &f.Header); err != nil {
				return nil, fmt.Errorf("header: %w", err)
			}
			if f.Header.File == "" {
				return nil, fmt.Errorf("header has no file")
			}
			first = false
			continue
		}
		var d Diagnostic
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("diagnostic: %w", err)
		}
		f.Diagnostics = append(f.Diagnostics, d)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if first {
		return nil, fmt.Errorf("empty file")
	}
	return f, nil
}

// ReadDir decodes every .json file under dir, ordered by source file.
func ReadDir(dir string) ([]*File, error) {
	var out []*File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		fh, err := os.Open(p)
		if err != nil {
			return err
		}
		defer func() { _ = fh.Close() }() // read-only: a close error cannot lose data
		f, err := Decode(fh)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, f)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Header.File < out[j].Header.File })
	return out, err
}

// Kind classifies an escape-analysis diagnostic.
type Kind string

// Kinds of escape diagnostics.
const (
	// HeapEscape: a value (composite literal, make, new, interface
	// conversion, closure) is allocated on the heap.
	HeapEscape Kind = "heap-escape"
	// MovedToHeap: a local variable lives on the heap because its address
	// outlives the function (what -m prints as "moved to heap: x").
	MovedToHeap Kind = "moved-to-heap"
	// LeakParam: a parameter's value flows to the heap or to a result.
	LeakParam Kind = "leak-param"
)

// Escape is one escape-analysis diagnostic, deduplicated.
type Escape struct {
	File    string // absolute, from the header
	Line    int
	Col     int
	Code    string // escape, escapes or leak, as written by the compiler
	Kind    Kind
	Message string
	// Flow is the compiler's explanation (escflow lines, "escflow:" removed).
	Flow []string
	// Inlined lists the places of the inlined calls the escape happened in
	// (file:line, outermost first), when it is not in this file's own code.
	Inlined []string
}

// Escapes extracts the escape-analysis diagnostics of f. The compiler logs an
// expression that escapes twice (once with the flow, once with an empty
// message); a variable moved to the heap is logged once, which is how the
// two are told apart. Generic instantiations repeat diagnostics: they are
// deduplicated by position, code and message.
func Escapes(f *File) []Escape {
	type pos struct{ line, col int }
	bare := map[pos]bool{}
	for _, d := range f.Diagnostics {
		if d.Code == "escape" && d.Message == "" {
			bare[pos{d.Range.Start.Line, d.Range.Start.Character}] = true
		}
	}
	type key struct {
		line, col int
		kind      Kind
		message   string
	}
	seen := map[key]bool{}
	var out []Escape
	for _, d := range f.Diagnostics {
		if d.Message == "" {
			continue
		}
		e := Escape{File: f.Header.File, Line: d.Range.Start.Line, Col: d.Range.Start.Character, Code: d.Code, Message: d.Message}
		switch d.Code {
		case "leak":
			e.Kind = LeakParam
		case "escape", "escapes":
			subj := strings.TrimSuffix(d.Message, " escapes to heap")
			if !bare[pos{e.Line, e.Col}] && isIdent(subj) {
				e.Kind = MovedToHeap
			} else {
				e.Kind = HeapEscape
			}
		default:
			continue
		}
		k := key{e.Line, e.Col, e.Kind, e.Message}
		if seen[k] {
			continue
		}
		seen[k] = true
		for _, r := range d.Related {
			if m, ok := strings.CutPrefix(r.Message, "escflow:"); ok {
				e.Flow = append(e.Flow, strings.TrimSpace(m))
			} else if r.Message == "inlineLoc" && len(e.Flow) == 0 {
				// Before the flow: the calls inlined at this line, outermost first.
				e.Inlined = append(e.Inlined, fmt.Sprintf("%s:%d", strings.TrimPrefix(r.Location.URI, "file://"), r.Location.Range.Start.Line))
			}
		}
		out = append(out, e)
	}
	return out
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

// FlowRoot returns where the compiler's explanation of an escape ends: the
// location whose lifetime forced the value onto the heap ("{heap}", a
// result such as "~r0" or a named result, a variable that itself escapes
// such as "{storage for func literal}", or a variable declared outside the
// allocating loop), and whether the last step into it is a return
// statement. The compiler explains one path per escape, from the value to
// that root ("flow: dst ← src:" lines, each followed by "from ... (note)"
// lines); it walks the heap and the locations that escape before the
// results, so a path that ends at a result means nothing else forced the
// value onto the heap first. FlowRoot returns "" when flow has no flow line.
func FlowRoot(flow []string) (root string, byReturn bool) {
	for _, l := range flow {
		if rest, ok := strings.CutPrefix(l, "flow: "); ok {
			dst, _, _ := strings.Cut(rest, " ← ")
			root, byReturn = dst, false
		} else if strings.HasPrefix(l, "from ") && strings.HasSuffix(l, " (return)") {
			byReturn = true
		}
	}
	return root, byReturn
}

// Returned reports whether the value of a heap escape or a variable moved
// to the heap outlives its function only because the function returns it:
// the compiler's explanation ends at a result of the enclosing function,
// reached by a return statement (a return inlined from a callee is an
// assignment, not a return) or assigned to a named result (results lists
// the enclosing function's named results; an escape in inlined code never
// matches by name, as the callee's results are locals of the caller).
// Leaking parameters are never returned escapes.
func (e Escape) Returned(results []string) bool {
	if e.Kind != HeapEscape && e.Kind != MovedToHeap {
		return false
	}
	root, byReturn := FlowRoot(e.Flow)
	switch {
	case root == "":
		return false
	case byReturn:
		return true
	case len(e.Inlined) > 0:
		return false
	}
	for _, r := range results {
		if r == root && r != "_" {
			return true
		}
	}
	return false
}
