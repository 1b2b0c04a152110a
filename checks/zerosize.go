package checks

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Zero-size values never allocate: the runtime hands out one shared address
// (runtime.zerobase) for every zero-size allocation, so `ctxKey{} escapes to
// heap` or `context.backgroundCtx{} escapes to heap` costs nothing, and an
// empty slice literal `[]byte{}` has a zero-size backing array. The escape
// leg drops such escapes: the compiler reports them, but they are not heap
// allocations.

var (
	zeroLitRe = regexp.MustCompile(`^(?:&?([\w.]+)\{\}|new\(([\w.]+)\)) escapes to heap$`)
	emptySlRe = regexp.MustCompile(`^\[\][\w.*\[\]]+\{\} escapes to heap$`)
)

// zeroSizer answers whether a type named in an escape message is zero-size,
// from the source of the package declaring it. Folders are parsed once.
type zeroSizer struct {
	mu    sync.Mutex
	types map[string]map[string]ast.Expr // folder -> type name -> type
	names map[string]string              // package name -> folder, the module's own
}

func newZeroSizer(pkgs []*Package) *zeroSizer {
	z := &zeroSizer{types: map[string]map[string]ast.Expr{}, names: map[string]string{}}
	for _, p := range pkgs {
		if _, dup := z.names[p.Name]; dup {
			z.names[p.Name] = "" // ambiguous: two packages of that name
			continue
		}
		z.names[p.Name] = p.Dir
	}
	return z
}

// zeroSizeEscape reports whether the escape's value is zero-size: an empty
// slice literal, or T{}, &T{} or new(T) of a struct type without
// non-zero-size fields. file is the escape's (absolute) file; inlined its
// inlined-from places, outermost first.
func (z *zeroSizer) zeroSizeEscape(msg, file string, inlined []string) bool {
	if emptySlRe.MatchString(msg) {
		return true
	}
	m := zeroLitRe.FindStringSubmatch(msg)
	if m == nil {
		return false
	}
	name := m[1] + m[2]
	if name == "struct" {
		return true
	}
	dir := filepath.Dir(file)
	if len(inlined) > 0 {
		in, _, _ := strings.Cut(inlined[len(inlined)-1], ":")
		dir = filepath.Dir(in)
	}
	if q, t, ok := strings.Cut(name, "."); ok {
		name = t
		switch {
		case filepath.Base(dir) == q:
		case z.names[q] != "":
			dir = z.names[q]
		default:
			dir = filepath.Join(build.Default.GOROOT, "src", q)
		}
	}
	return z.zero(dir, name, map[string]bool{})
}

func (z *zeroSizer) zero(dir, name string, seen map[string]bool) bool {
	if seen[name] {
		return false
	}
	seen[name] = true
	t, ok := z.decls(dir)[name]
	return ok && z.zeroType(dir, t, seen)
}

func (z *zeroSizer) zeroType(dir string, t ast.Expr, seen map[string]bool) bool {
	switch t := t.(type) {
	case *ast.ParenExpr:
		return z.zeroType(dir, t.X, seen)
	case *ast.StructType:
		for _, f := range t.Fields.List {
			if !z.zeroType(dir, f.Type, seen) {
				return false
			}
		}
		return true
	case *ast.ArrayType:
		if lit, ok := t.Len.(*ast.BasicLit); ok && lit.Value == "0" {
			return true
		}
		return t.Len != nil && z.zeroType(dir, t.Elt, seen)
	case *ast.Ident:
		return z.zero(dir, t.Name, seen)
	}
	return false
}

// decls parses the non-test Go files of dir for their type declarations.
func (z *zeroSizer) decls(dir string) map[string]ast.Expr {
	z.mu.Lock()
	defer z.mu.Unlock()
	if d, ok := z.types[dir]; ok {
		return d
	}
	d := map[string]ast.Expr{}
	z.types[dir] = d
	entries, _ := os.ReadDir(dir)
	fset := token.NewFileSet()
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok && ts.TypeParams == nil {
					d[ts.Name.Name] = ts.Type
				}
			}
		}
	}
	return d
}
