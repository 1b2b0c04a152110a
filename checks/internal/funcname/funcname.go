// Package funcname names the function enclosing a source position the way
// the Go runtime and pprof name it, so compiler diagnostics join with
// profiles:
//
//	pkg.Func            a function
//	pkg.(*T).Method     a method with a pointer receiver
//	pkg.T.Method        a method with a value receiver
//	pkg.Func.func1      the first closure in Func (source order)
//	pkg.Func.func1.2    the second closure inside that closure
//	pkg.Gen[...]        a generic function (pprof's rendering)
//	pkg.init            package-level initialisers
package funcname

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"sync"
)

// Resolver parses each file once and answers many positions.
type Resolver struct {
	mu    sync.Mutex
	fset  *token.FileSet
	files map[string]*fileInfo
}

type fileInfo struct {
	file *ast.File
	tf   *token.File
	err  error
}

// New returns an empty Resolver.
func New() *Resolver {
	return &Resolver{fset: token.NewFileSet(), files: map[string]*fileInfo{}}
}

func (r *Resolver) parse(path string) *fileInfo {
	if fi, ok := r.files[path]; ok {
		return fi
	}
	f, err := parser.ParseFile(r.fset, path, nil, parser.SkipObjectResolution)
	fi := &fileInfo{file: f, err: err}
	if f != nil {
		fi.tf = r.fset.File(f.Pos())
	}
	r.files[path] = fi
	return fi
}

// Enclosing returns the pprof-style name of the function that contains
// line:col (1-based, columns in bytes) of the file at path in package pkg
// (an import path), and the line where that function (or func literal)
// starts, which profiles record too (Function.StartLine). It returns "", 0
// when the file does not parse or the position is outside any function.
//
// Inlining renames closures nested in an inlined closure
// (pkg.F.F.func1.func2 instead of pkg.F.func1.1); the start line still
// matches, so joins should use it as well as the name.
func (r *Resolver) Enclosing(pkg, path string, line, col int) (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fi := r.parse(path)
	p, ok := fi.pos(line, col)
	if !ok {
		return "", 0
	}
	for _, d := range fi.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || p < fd.Pos() || p > fd.End() {
			continue
		}
		name := pkg + "." + declName(fd)
		start := fd.Pos()
		if fd.Body != nil {
			suffix, lit := closurePath(fd.Body, p)
			name += suffix
			if lit != nil {
				start = lit.Pos()
			}
		}
		return name, r.fset.Position(start).Line
	}
	// Package-level variable initialisers run in the package's init.
	for _, d := range fi.file.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && p >= gd.Pos() && p <= gd.End() {
			return pkg + ".init", 0
		}
	}
	return "", 0
}

// Results returns the names of the named results of the innermost function
// (declaration or func literal) that contains line:col of the file at path,
// so a compiler flow that ends at a result ("flow: items ← ...") can be told
// from one that ends at a local. It returns nil when the results are unnamed,
// the file does not parse or the position is outside any function.
func (r *Resolver) Results(path string, line, col int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	fi := r.parse(path)
	p, ok := fi.pos(line, col)
	if !ok {
		return nil
	}
	for _, d := range fi.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || p < fd.Pos() || p > fd.End() {
			continue
		}
		ft := fd.Type
		if fd.Body != nil {
			if _, lit := closurePath(fd.Body, p); lit != nil {
				ft = lit.Type
			}
		}
		if ft.Results == nil {
			return nil
		}
		var names []string
		for _, f := range ft.Results.List {
			for _, n := range f.Names {
				names = append(names, n.Name)
			}
		}
		return names
	}
	return nil
}

// pos is the position of line:col (1-based; a column < 1 is the line's start).
func (fi *fileInfo) pos(line, col int) (token.Pos, bool) {
	if fi.file == nil || fi.tf == nil || line < 1 || line > fi.tf.LineCount() {
		return token.NoPos, false
	}
	off := int(fi.tf.LineStart(line)) - fi.tf.Base() + col - 1
	if col < 1 {
		off = int(fi.tf.LineStart(line)) - fi.tf.Base()
	}
	if off < 0 || off > fi.tf.Size() {
		return token.NoPos, false
	}
	return fi.tf.Pos(off), true
}

// declName is Func, (*T).M or T.M, with [...] for generics as pprof prints.
func declName(fd *ast.FuncDecl) string {
	name := fd.Name.Name
	if fd.Type.TypeParams != nil && len(fd.Type.TypeParams.List) > 0 {
		name += "[...]"
	}
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return name
	}
	t := fd.Recv.List[0].Type
	ptr := false
	if s, ok := t.(*ast.StarExpr); ok {
		ptr = true
		t = s.X
	}
	generic := false
	switch x := t.(type) {
	case *ast.IndexExpr:
		t, generic = x.X, true
	case *ast.IndexListExpr:
		t, generic = x.X, true
	}
	recv := "?"
	if id, ok := t.(*ast.Ident); ok {
		recv = id.Name
	}
	if generic {
		recv += "[...]"
	}
	if ptr {
		return "(*" + recv + ")." + name
	}
	return recv + "." + name
}

// closurePath returns ".func1", ".func1.2"... for the func literals around p
// inside body: the compiler numbers the literals directly inside a function
// in source order, func1, func2 at the top level and 1, 2 below.
func closurePath(body ast.Node, p token.Pos) (string, *ast.FuncLit) {
	suffix := ""
	depth := 0
	var innermost *ast.FuncLit
	for {
		n := 0
		var inner *ast.FuncLit
		ast.Inspect(body, func(x ast.Node) bool {
			if inner != nil {
				return false
			}
			fl, ok := x.(*ast.FuncLit)
			if !ok {
				return true
			}
			if x == body {
				return true
			}
			n++
			if p > fl.Pos() && p <= fl.End() { // at fl.Pos() is the literal itself, made by the outer function
				inner = fl
			}
			return false // literals nested in this one are numbered inside it
		})
		if inner == nil {
			return suffix, innermost
		}
		innermost = inner
		if depth == 0 {
			suffix += ".func" + strconv.Itoa(n)
		} else {
			suffix += "." + strconv.Itoa(n)
		}
		depth++
		body = inner
	}
}
