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
type returnedAllocs struct{ *parsedFiles }

func newReturnedAllocs() *returnedAllocs { return &returnedAllocs{newParsedFiles()} }

// parsedFiles parses each file once, for the readers of the module's
// source that the escape and pprof legs share.
type parsedFiles struct {
	mu    sync.Mutex
	fset  *token.FileSet
	files map[string]*ast.File
}

func newParsedFiles() *parsedFiles {
	return &parsedFiles{fset: token.NewFileSet(), files: map[string]*ast.File{}}
}

// parse returns the file at path (nil when it does not parse).
func (p *parsedFiles) parse(path string) *ast.File {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.files[path]
	if !ok {
		f, _ = parser.ParseFile(p.fset, path, nil, parser.SkipObjectResolution)
		p.files[path] = f
	}
	return f
}

// returns reports whether line of the file at path lies in a String, Error
// or GoString method, or builds the result of a function returning a
// string, slice or map: the line is in a return statement, or assigns a
// variable the function returns (return x, return append(x, …), or a named
// result).
func (r *returnedAllocs) returns(path string, line int) bool {
	f := r.parse(path)
	if f == nil {
		return false
	}
	lineOf := func(p token.Pos) int { return r.fset.Position(p).Line }
	var fn *ast.FuncType
	var body *ast.BlockStmt
	var decl *ast.FuncDecl
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			return true
		}
		if lineOf(n.Pos()) > line || lineOf(n.End()) < line {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncDecl:
			decl, fn, body = n, n.Type, n.Body
		case *ast.FuncLit:
			decl, fn, body = nil, n.Type, n.Body
		}
		return true
	})
	if fn == nil || body == nil {
		return false
	}
	if decl != nil && decl.Recv != nil {
		switch decl.Name.Name {
		case "String", "Error", "GoString":
			return true
		}
	}
	if fn.Results == nil || !allocResult(fn.Results) {
		return false
	}
	returned := map[string]bool{}
	for _, res := range fn.Results.List {
		for _, n := range res.Names {
			returned[n.Name] = true
		}
	}
	onLine := false
	var lhs []ast.Expr
	inspectBody(body, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.ReturnStmt:
			for _, e := range n.Results {
				if c, ok := e.(*ast.CallExpr); ok && len(c.Args) > 0 {
					if fid, ok := c.Fun.(*ast.Ident); ok && fid.Name == "append" {
						e = c.Args[0] // return append(out, …) returns out's array
					}
				}
				if id, ok := e.(*ast.Ident); ok {
					returned[id.Name] = true
				}
			}
			if lineOf(n.Pos()) <= line && line <= lineOf(n.End()) {
				onLine = true
			}
		case *ast.AssignStmt:
			if lineOf(n.Pos()) <= line && line <= lineOf(n.End()) {
				lhs = append(lhs, n.Lhs...)
			}
		case *ast.ValueSpec:
			if lineOf(n.Pos()) <= line && line <= lineOf(n.End()) {
				for _, id := range n.Names {
					lhs = append(lhs, id)
				}
			}
		}
	})
	if onLine {
		return true
	}
	for _, e := range lhs {
		if id, ok := e.(*ast.Ident); ok && returned[id.Name] {
			return true
		}
	}
	return false
}

// inspectBody calls fn for every node of body outside nested function literals.
func inspectBody(body *ast.BlockStmt, fn func(ast.Node)) {
	ast.Inspect(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if n != nil {
			fn(n)
		}
		return true
	})
}

// allocResult reports whether results include a string, slice or map.
func allocResult(results *ast.FieldList) bool {
	for _, res := range results.List {
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
