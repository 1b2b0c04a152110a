package lint

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

func TestMayProduceFact(t *testing.T) {
	for _, c := range []struct {
		src  string
		keep bool
	}{
		{"func f() int { return 1 }", false},
		{"func f(x int) (int, error) { if x > 0 { return x, nil }; return 0, nil }", false},
		{"func f() int { log.Fatal(); return 0 }", true}, // dummy return after a no-return call
		{"func f() int { panic(1) }", true},              // ends in a call
		{"func f() { os.Exit(1) }", true},                // may never return
		{"func f() { x = 1 }", false},                    // falls off the end
		{"func f() { if x { os.Exit(1) } }", false},      // no else: completes normally
		{"func f() { if x { os.Exit(1) } else { g() } }", true},
		{"func f() int { if x { return 1 } else { return 2 } }", false},
		{"func f() { for {} }", true},
		{"func f() { for x { g() } }", false},
		{"func f() { for range xs { g() } }", false},
		{"func f() { switch x { case 1: g() } }", false}, // no default
		{"func f() { switch x { case 1: g(); default: h() } }", true},
		{"func f() { switch x { case 1: g(); default: y = 1 } }", false},
		{"func f() { select {} }", true},
		{"func f(format string, args ...any) { y = 1 }", true}, // printf wrapper candidate
		{"func init() { x = 1 }", true},
		{"func F[T any]() int { return 0 }", true},
		{"func (T[E]) M() int { return 0 }", true},
		{"func (t T) M() int { return t.n }", false},
		{"func f() {}", false},
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package p\n"+c.src, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		fd := f.Decls[0].(*ast.FuncDecl)
		if got := mayProduceFact(fd); got != c.keep {
			t.Errorf("mayProduceFact(%s) = %v, want %v", c.src, got, c.keep)
		}
	}
}

// TestPrefetcher: the prefetcher parses the dependency files of the defects
// module (trimmed) and hands the same syntax to the loader's hook.
func TestPrefetcher(t *testing.T) {
	dir, err := filepath.Abs("../../testdata/defects")
	if err != nil {
		t.Fatal(err)
	}
	dirs := depDirs(context.Background(), dir)
	if len(dirs) != 2 {
		t.Fatalf("depDirs = %v, want GOROOT/src and GOMODCACHE", dirs)
	}
	p := &prefetcher{fset: token.NewFileSet(), parse: parseFileFor(dirs), files: map[string]*parsed{}}
	p.start(context.Background(), dir, []string{"./..."}, dirs)
	if len(p.files) < 500 {
		t.Fatalf("only %d files prefetched", len(p.files))
	}
	var fmtPrint string
	for name, e := range p.files {
		if e.err != nil || e.f == nil {
			t.Fatalf("%s: not parsed: %v", name, e.err)
		}
		if strings.HasSuffix(name, filepath.Join("src", "fmt", "print.go")) {
			fmtPrint = name
		}
	}
	if fmtPrint == "" {
		t.Fatal("fmt/print.go was not prefetched")
	}
	got, err := p.ParseFile(p.fset, fmtPrint, nil)
	if err != nil || got != p.files[fmtPrint].f {
		t.Fatalf("ParseFile did not return the prefetched syntax (err %v)", err)
	}
	// Trimmed: fmt.Sprint's body is kept (variadic), (*pp).Width's dropped.
	for _, d := range got.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			switch fd.Name.Name {
			case "Sprintf":
				if fd.Body == nil {
					t.Error("Sprintf lost its body")
				}
			case "Width":
				if fd.Body != nil {
					t.Error("(*pp).Width kept its body")
				}
			}
		}
	}
}
