package lint

import (
	"go/ast"
	"go/parser"
	"go/token"
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
