package checks

import (
	"go/ast"
	"go/token"
	"regexp"
)

// A value boxed into an interface allocates through the runtime function
// of its type: convT64 for 8-byte values (int, uint64, float64), convT32,
// convT16, convTstring, convTslice, convT for the rest; one-byte values
// and bool never allocate, nor do values 0–255 through convT64 and
// friends. An escape message names the boxed expression, not its type; for
// a plain identifier the escape leg reads the type from the enclosing
// function's declaration of it, so that the profile's samples of that
// function alone are its (see JoinHotEscapes): logrus's levelColor, an int
// that is always 31–37, does not take the allocations of the strings boxed
// beside it.

var boxedIdentRe = regexp.MustCompile(`^([A-Za-z_][A-Za-z_0-9]*) escapes to heap$`)

// boxTyper reads declarations from the module's files.
type boxTyper struct{ *parsedFiles }

func newBoxTyper() *boxTyper { return &boxTyper{newParsedFiles()} }

// allocator returns the runtime function that boxing the escape's
// identifier calls ("none" when it never allocates), or "" when the
// message is not a plain identifier or its declared type is not a basic
// one.
func (b *boxTyper) allocator(msg, file string, line, col int) string {
	m := boxedIdentRe.FindStringSubmatch(msg)
	if m == nil || b == nil {
		return ""
	}
	f := b.parse(file)
	if f == nil {
		return ""
	}
	tf := b.fset.File(f.Pos())
	if tf == nil || line < 1 || line > tf.LineCount() {
		return ""
	}
	pos := tf.LineStart(line) + token.Pos(col-1)
	var fn ast.Node // the innermost function holding pos
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil || n.Pos() > pos || n.End() < pos {
			return n == nil
		}
		switch n.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			fn = n
		}
		return true
	})
	if fn == nil {
		return ""
	}
	name := m[1]
	kinds := map[string]bool{}
	add := func(t ast.Expr) { kinds[boxFunc(t)] = true }
	ast.Inspect(fn, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			for _, id := range n.Names {
				if id.Name == name {
					add(n.Type)
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if id.Name != name {
					continue
				}
				switch {
				case n.Type != nil:
					add(n.Type)
				case i < len(n.Values):
					add(litType(n.Values[i]))
				default:
					add(nil)
				}
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == name {
						if len(n.Rhs) == len(n.Lhs) {
							add(litType(n.Rhs[i]))
						} else {
							add(nil)
						}
					}
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if id, ok := e.(*ast.Ident); ok && id.Name == name && n.Tok == token.DEFINE {
					add(nil)
				}
			}
		}
		return true
	})
	if len(kinds) != 1 {
		return "" // undeclared here (a package variable), or declared twice
	}
	for k := range kinds {
		return k
	}
	return ""
}

// litType is the type of an untyped basic literal's default type, or nil.
func litType(e ast.Expr) ast.Expr {
	if l, ok := ast.Unparen(e).(*ast.BasicLit); ok {
		switch l.Kind {
		case token.INT:
			return ast.NewIdent("int")
		case token.FLOAT:
			return ast.NewIdent("float64")
		case token.STRING:
			return ast.NewIdent("string")
		case token.CHAR:
			return ast.NewIdent("rune")
		}
	}
	return nil
}

// boxFunc names the runtime function boxing a value of the type t calls
// ("" for a type it cannot tell, "none" when boxing never allocates).
func boxFunc(t ast.Expr) string {
	switch t := t.(type) {
	case *ast.Ident:
		switch t.Name {
		case "int", "int64", "uint", "uint64", "uintptr", "float64":
			return "runtime.convT64"
		case "int32", "uint32", "float32", "rune":
			return "runtime.convT32"
		case "int16", "uint16":
			return "runtime.convT16"
		case "int8", "uint8", "byte", "bool":
			return "none"
		case "string":
			return "runtime.convTstring"
		}
	case *ast.ArrayType:
		if t.Len == nil {
			return "runtime.convTslice"
		}
	}
	return ""
}
