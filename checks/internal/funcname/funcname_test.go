package funcname

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNamesMatchRuntime runs testdata/names, which prints for each call of
// here() its line and the name runtime.FuncForPC gives the caller, and
// checks that Enclosing names the same function at that line. Inlining is
// off (-gcflags=-l): inlining renames closures nested in inlined closures,
// which the start line covers (see TestStartLine).
func TestNamesMatchRuntime(t *testing.T) {
	dir, _ := filepath.Abs("testdata/names")
	cmd := exec.Command("go", "run", "-gcflags=-l", ".")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	r := New()
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line, name, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		ln, _ := strconv.Atoi(line)
		got, start := r.Enclosing("main", filepath.Join(dir, "main.go"), ln, 2)
		if got != name {
			t.Errorf("line %d: Enclosing = %q, runtime says %q", ln, got, name)
		}
		if start <= 0 || start > ln {
			t.Errorf("line %d: start line %d", ln, start)
		}
		n++
	}
	if n < 15 {
		t.Fatalf("only %d names printed:\n%s", n, out)
	}
}

func TestStartLine(t *testing.T) {
	r := New()
	path, _ := filepath.Abs("testdata/names/main.go")
	for _, c := range []struct{ line, start int }{
		{24, 23}, // T.Value
		{70, 69}, // k := func() {  inside h
		{58, 57}, // defer func() {
		{13, 12}, // here
	} {
		if _, got := r.Enclosing("main", path, c.line, 2); got != c.start {
			t.Errorf("line %d: start %d, want %d", c.line, got, c.start)
		}
	}
	if name, _ := r.Enclosing("main", path, 19, 1); name != "" {
		t.Errorf("a type declaration is in function %q", name)
	}
	if name, _ := r.Enclosing("main", "testdata/missing.go", 1, 1); name != "" {
		t.Errorf("missing file gave %q", name)
	}
}

func TestResults(t *testing.T) {
	r := New()
	path, _ := filepath.Abs("../../testdata/captured/src/ret/ret.go")
	for _, c := range []struct {
		line, col int
		want      string
	}{
		{32, 11, "items"}, // Collect(n int) (items []*Item)
		{17, 2, ""},       // Names: unnamed result
		{81, 25, "n"},     // the func literal's (n int), inside Counter
		{80, 2, ""},       // Counter itself: unnamed
		{11, 1, ""},       // a type declaration
	} {
		if got := strings.Join(r.Results(path, c.line, c.col), ","); got != c.want {
			t.Errorf("line %d:%d: Results = %q, want %q", c.line, c.col, got, c.want)
		}
	}
	if got := r.Results("testdata/missing.go", 1, 1); got != nil {
		t.Errorf("missing file gave %q", got)
	}
}
