// Package racereport parses the race detector's reports and Go tracebacks
// (panics, test timeouts) out of test output lines.
//
// A race report sits between two "==================" lines:
//
//	WARNING: DATA RACE
//	Read at 0x00c000096198 by goroutine 10:
//	  example.com/m/racy.(*Counter).Inc()
//	      /src/racy/racy.go:12 +0x7e
//
//	Previous write at 0x00c000096198 by goroutine 9:
//	  ...
//	Goroutine 10 (running) created at:
//	  ...
package racereport

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/gocap/gocap/checks/internal/testjson"
)

// Frame is one stack frame with an absolute (or _testmain.go) file path.
type Frame struct {
	Func string
	File string
	Line int
}

// Access is one side of a race.
type Access struct {
	Kind      string // read, write, atomic read, ...
	Previous  bool
	Addr      string
	Goroutine int // 1 for the main goroutine
	Stack     []Frame
	Created   []Frame
}

// Race is one report.
type Race struct {
	Test     string
	Accesses []Access // the current access first
	Raw      string
}

var (
	accessRe  = regexp.MustCompile(`^(Previous )?((?:[Aa]tomic )?(?:[Rr]ead|[Ww]rite)) at (0x[0-9a-f]+) by (main goroutine|goroutine (\d+))(?: \([^)]*\))?:$`)
	createdRe = regexp.MustCompile(`^Goroutine (\d+) \([^)]*\) created at:$`)
	fileRe    = regexp.MustCompile(`^(\S.*?\.go):(\d+)(?: \+0x[0-9a-f]+)?$`)
)

const sep = "=================="

// Parse finds every race report in lines (one package's output in stream
// order) and returns them in order. Each race is attributed to the test that
// printed its first line.
func Parse(lines []testjson.Line) []Race {
	var out []Race
	for i := 0; i < len(lines); i++ {
		if lines[i].Text != sep || i+1 >= len(lines) || lines[i+1].Text != "WARNING: DATA RACE" {
			continue
		}
		j := i + 2
		for j < len(lines) && lines[j].Text != sep {
			j++
		}
		block := make([]string, 0, j-i)
		for _, l := range lines[i+1 : j] {
			block = append(block, l.Text)
		}
		if r, ok := parseBlock(block); ok {
			r.Test = lines[i].Test
			if r.Test == "" {
				r.Test = lines[i+1].Test
			}
			out = append(out, r)
		}
		i = j
	}
	return out
}

func parseBlock(block []string) (Race, bool) {
	r := Race{Raw: strings.Join(block, "\n")}
	created := map[int][]Frame{}
	for k := 0; k < len(block); k++ {
		l := block[k]
		if m := accessRe.FindStringSubmatch(l); m != nil {
			a := Access{Previous: m[1] != "", Kind: strings.ToLower(m[2]), Addr: m[3], Goroutine: 1}
			if m[5] != "" {
				a.Goroutine, _ = strconv.Atoi(m[5])
			}
			end := sectionEnd(block, k+1)
			a.Stack = Frames(block[k+1 : end])
			r.Accesses = append(r.Accesses, a)
			k = end - 1
			continue
		}
		if m := createdRe.FindStringSubmatch(l); m != nil {
			g, _ := strconv.Atoi(m[1])
			end := sectionEnd(block, k+1)
			created[g] = Frames(block[k+1 : end])
			k = end - 1
		}
	}
	for i := range r.Accesses {
		r.Accesses[i].Created = created[r.Accesses[i].Goroutine]
	}
	return r, len(r.Accesses) > 0
}

// sectionEnd returns the index of the blank line (or end) closing a stack.
func sectionEnd(block []string, from int) int {
	for k := from; k < len(block); k++ {
		if strings.TrimSpace(block[k]) == "" {
			return k
		}
	}
	return len(block)
}

// Frames parses a traceback: each frame is a function line followed by a
// "file:line [+0xNN]" line (indentation is ignored, so race stacks and panic
// goroutine dumps both work). Other lines are skipped.
func Frames(lines []string) []Frame {
	var out []Frame
	for k := 0; k+1 < len(lines); k++ {
		m := fileRe.FindStringSubmatch(strings.TrimSpace(lines[k+1]))
		if m == nil {
			continue
		}
		fn := FuncName(strings.TrimSpace(lines[k]))
		if fn == "" {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		out = append(out, Frame{Func: fn, File: m[1], Line: n})
		k++
	}
	return out
}

// FuncName strips the argument list and "created by ... in goroutine N" from
// a traceback function line: "pkg.(*T).M(0x1, {0x2})" is "pkg.(*T).M".
func FuncName(s string) string {
	if rest, ok := strings.CutPrefix(s, "created by "); ok {
		s = rest
		if i := strings.Index(s, " in goroutine "); i >= 0 {
			s = s[:i]
		}
		return s
	}
	if !strings.HasSuffix(s, ")") {
		return ""
	}
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return s[:i]
			}
		}
	}
	return ""
}

// Goroutine is one goroutine of a traceback dump.
type Goroutine struct {
	ID     int
	State  string
	Frames []Frame
}

var goroutineRe = regexp.MustCompile(`^goroutine (\d+) \[([^\]]*)\]:$`)

// Goroutines splits a panic or timeout dump into goroutines.
func Goroutines(lines []string) []Goroutine {
	var out []Goroutine
	for k := 0; k < len(lines); k++ {
		m := goroutineRe.FindStringSubmatch(strings.TrimSpace(lines[k]))
		if m == nil {
			continue
		}
		id, _ := strconv.Atoi(m[1])
		end := sectionEnd(lines, k+1)
		out = append(out, Goroutine{ID: id, State: m[2], Frames: Frames(lines[k+1 : end])})
		k = end - 1
	}
	return out
}
