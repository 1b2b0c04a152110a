package checks

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sync"
)

// ReturnedAllocRule is the rule of an info finding for a line that
// allocates on every benchmarked op because it builds what its function
// returns (a string, slice or map built and returned; a String or Error
// method): the allocation is the function's contract, and only an API
// change (an append-style variant writing into the caller's buffer) avoids
// it. Returned escapes are treated alike (ReturnedEscapeRule).
const ReturnedAllocRule = "returned-alloc"

const returnedAllocHint = "the allocation is the result the function returns; to avoid it offer an append-style variant (AppendX(dst []byte, …) []byte) or let callers pass the destination"

// returnedAllocs answers, per file and line, whether the line builds its
// function's result. Files are parsed once.
type returnedAllocs struct {
	mu    sync.Mutex
	fset  *token.FileSet
	files map[string]*ast.File
}

func newReturnedAllocs() *returnedAllocs {
	return &returnedAllocs{fset: token.NewFileSet(), files: map[string]*ast.File{}}
}

// returns reports whether line of the file at path lies in a String, Error
// or GoString method, or in a return statement of a function whose results
// include a string, slice or map.
func (r *returnedAllocs) returns(path string, line int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.files[path]
	if !ok {
		f, _ = parser.ParseFile(r.fset, path, nil, parser.SkipObjectResolution)
		r.files[path] = f
	}
	if f == nil {
		return false
	}
	lineOf := func(p token.Pos) int { return r.fset.Position(p).Line }
	var fn *ast.FuncType
	var decl *ast.FuncDecl
	var ret bool
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			return true
		}
		if lineOf(n.Pos()) > line || lineOf(n.End()) < line {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncDecl:
			decl, fn, ret = n, n.Type, false
		case *ast.FuncLit:
			decl, fn, ret = nil, n.Type, false
		case *ast.ReturnStmt:
			ret = true
		}
		return true
	})
	if fn == nil {
		return false
	}
	if decl != nil && decl.Recv != nil {
		switch decl.Name.Name {
		case "String", "Error", "GoString":
			return true
		}
	}
	if !ret || fn.Results == nil {
		return false
	}
	for _, res := range fn.Results.List {
		switch t := res.Type.(type) {
		case *ast.ArrayType:
			if t.Len == nil {
				return true
			}
		case *ast.MapType:
			return true
		case *ast.Ident:
			if t.Name == "string" {
				return true
			}
		}
	}
	return false
}
