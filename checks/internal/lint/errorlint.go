package lint

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// withoutRecovered wraps go-errorlint's analyzer so that comparisons of a
// value from recover() are not reported: a recovered value is whatever was
// passed to panic, not an error that travelled up a call chain being
// wrapped, so `recover() == http.ErrAbortHandler` is the right test (net/http
// compares it the same way). Reports ==, != and switch cases whose operand
// is recover() itself or a variable assigned only from recover(). Nor are
// comparisons of a field of the package's own struct type with the
// package's own sentinel (see ownSentinelInOwnField), nor comparisons with
// io.EOF of what a package function passes through from the standard
// library unwrapped (see passesThroughStd), nor a non-wrapping verb in a
// fmt.Errorf that is panic's argument (see panickedErrorfs), nor an
// Unwrap() result compared by identity (see unwrapCall), nor a type
// assertion to an unexported error type of the package (ownTypeAssertions).
func withoutRecovered(a *analysis.Analyzer) *analysis.Analyzer {
	c := *a
	run := a.Run
	c.Run = func(pass *analysis.Pass) (any, error) {
		skip := recoveredComparisons(pass)
		panics := panickedErrorfs(pass)
		own := ownTypeAssertions(pass)
		if len(skip) == 0 && len(panics) == 0 && len(own) == 0 {
			return run(pass)
		}
		filtered := *pass
		filtered.Report = func(d analysis.Diagnostic) {
			if skip[d.Pos] && (strings.HasPrefix(d.Message, "comparing with") || strings.HasPrefix(d.Message, "switch on an error")) {
				return
			}
			if own[d.Pos] && strings.HasPrefix(d.Message, "type assertion on error") {
				return
			}
			if strings.HasPrefix(d.Message, "non-wrapping format verb") {
				for _, c := range panics {
					if c.Pos() <= d.Pos && d.Pos < c.End() {
						return
					}
				}
			}
			pass.Report(d)
		}
		return run(&filtered)
	}
	return &c
}

// recoveredComparisons returns the positions errorlint reports comparisons
// at (a binary expression's start, a case clause) whose operand comes from
// recover().
func recoveredComparisons(pass *analysis.Pass) map[token.Pos]bool {
	isRecoverCall := func(e ast.Expr) bool {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		return ok && isBuiltin(pass.TypesInfo, call, "recover")
	}
	// Variables assigned from recover() (and from nothing else).
	fromRecover := map[types.Object]bool{}
	other := map[types.Object]bool{}
	mark := func(lhs ast.Expr, rhs ast.Expr) {
		id, ok := lhs.(*ast.Ident)
		if !ok {
			return
		}
		obj := pass.TypesInfo.ObjectOf(id)
		if obj == nil {
			return
		}
		if isRecoverCall(rhs) {
			fromRecover[obj] = true
		} else {
			other[obj] = true
		}
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i := range n.Lhs {
						mark(n.Lhs[i], n.Rhs[i])
					}
				}
			case *ast.ValueSpec:
				if len(n.Names) == len(n.Values) {
					for i := range n.Names {
						mark(n.Names[i], n.Values[i])
					}
				}
			}
			return true
		})
	}
	recovered := func(e ast.Expr) bool {
		if isRecoverCall(e) {
			return true
		}
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return false
		}
		obj := pass.TypesInfo.ObjectOf(id)
		return obj != nil && fromRecover[obj] && !other[obj]
	}
	// The package's functions, and the variables assigned from a call of
	// one of them (and from nothing else), for passesThroughStd.
	decls := funcDecls(pass)
	from := map[types.Object]*types.Func{}
	poisoned := map[types.Object]bool{}
	assign := func(lhs []ast.Expr, rhs []ast.Expr) {
		var fn *types.Func
		if len(rhs) == 1 {
			if call, ok := ast.Unparen(rhs[0]).(*ast.CallExpr); ok {
				fn, _ = typeutil.Callee(pass.TypesInfo, call).(*types.Func)
			}
		}
		for i, l := range lhs {
			id := identOf(l)
			if id == nil {
				continue
			}
			obj := pass.TypesInfo.ObjectOf(id)
			if obj == nil {
				continue
			}
			if fn != nil && decls[fn] != nil && i == len(lhs)-1 && (from[obj] == nil || from[obj] == fn) {
				from[obj] = fn
			} else {
				poisoned[obj] = true
			}
		}
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				assign(n.Lhs, n.Rhs)
			case *ast.ValueSpec:
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				if len(n.Values) > 0 {
					assign(lhs, n.Values)
				}
			}
			return true
		})
	}
	for obj := range poisoned {
		delete(from, obj)
	}
	out := map[token.Pos]bool{}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && (recovered(n.X) || recovered(n.Y) ||
					ownSentinelInOwnField(pass, n.X, n.Y) || ownSentinelInOwnField(pass, n.Y, n.X) ||
					passesThroughStd(pass, n.X, n.Y, decls, from) || passesThroughStd(pass, n.Y, n.X, decls, from) ||
					unwrapCall(n.X) || unwrapCall(n.Y)) {
					out[n.Pos()] = true
				}
			case *ast.SwitchStmt:
				if n.Tag != nil && recovered(n.Tag) {
					for _, cc := range n.Body.List {
						out[cc.Pos()] = true
					}
				}
			}
			return true
		})
	}
	return out
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(e).(*ast.Ident)
	return id
}

// ownSentinelInOwnField reports `x.F == ErrX` where ErrX is a package-level
// variable of this package and F an unexported-package-owned field: a
// field of a struct type this package declares. The package both makes
// the sentinel and stores it (gorilla/mux's match.MatchErr ==
// ErrMethodMismatch); nothing wraps it on the way, so == is exact.
func ownSentinelInOwnField(pass *analysis.Pass, field, sentinel ast.Expr) bool {
	sid := identOf(sentinel)
	if sid == nil {
		return false
	}
	v, ok := pass.TypesInfo.Uses[sid].(*types.Var)
	if !ok || v.Pkg() != pass.Pkg || v.Parent() != pass.Pkg.Scope() {
		return false
	}
	sel, ok := ast.Unparen(field).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	s, ok := pass.TypesInfo.Selections[sel]
	if !ok || s.Kind() != types.FieldVal {
		return false
	}
	recv := s.Recv()
	if p, ok := recv.(*types.Pointer); ok {
		recv = p.Elem()
	}
	named, ok := types.Unalias(recv).(*types.Named)
	return ok && named.Obj().Pkg() == pass.Pkg
}

// panickedErrorfs returns the fmt.Errorf calls that are panic's argument
// (panic(fmt.Errorf("BUG: ...: %s", err))): the error is never returned, so
// nothing can unwrap it, and %w would only change the panic's message.
func panickedErrorfs(pass *analysis.Pass) []*ast.CallExpr {
	var out []*ast.CallExpr
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 || !isBuiltin(pass.TypesInfo, call, "panic") {
				return true
			}
			if arg, ok := ast.Unparen(call.Args[0]).(*ast.CallExpr); ok {
				if fn, ok := typeutil.Callee(pass.TypesInfo, arg).(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == "fmt" && fn.Name() == "Errorf" {
					out = append(out, arg)
				}
			}
			return true
		})
	}
	return out
}

// passesThroughStd reports `err == io.EOF` (or !=) where err was assigned
// from a call of a function of this package whose every return hands back,
// in its error position, nil, io.EOF or the result of a standard-library
// call (not fmt's or errors', which wrap) unchanged (pflag's readAsCSV returns csv.Reader.Read()): io.EOF
// comes back as the standard reader returned it, and io.Reader's contract
// is to return io.EOF itself, never wrapped, for callers to test with ==.
func passesThroughStd(pass *analysis.Pass, errExpr, eof ast.Expr, decls map[*types.Func]*ast.FuncDecl, from map[types.Object]*types.Func) bool {
	sel, ok := ast.Unparen(eof).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "EOF" {
		return false
	}
	if v, ok := pass.TypesInfo.Uses[sel.Sel].(*types.Var); !ok || v.Pkg() == nil || v.Pkg().Path() != "io" {
		return false
	}
	id := identOf(errExpr)
	if id == nil {
		return false
	}
	fn := from[pass.TypesInfo.ObjectOf(id)]
	fd := decls[fn]
	if fd == nil || fd.Body == nil {
		return false
	}
	res := fn.Type().(*types.Signature).Results()
	if res.Len() == 0 {
		return false
	}
	last := res.Len() - 1
	ok = true
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			var e ast.Expr
			switch {
			case len(n.Results) == res.Len():
				e = n.Results[last]
			case len(n.Results) == 1 && res.Len() > 1:
				e = n.Results[0] // return f(): all of f's results
			default:
				ok = false // a bare return of named results
				return false
			}
			e = ast.Unparen(e)
			if id := identOf(e); id != nil && id.Name == "nil" {
				return true
			}
			if s, isSel := e.(*ast.SelectorExpr); isSel && s.Sel.Name == "EOF" {
				return true
			}
			call, isCall := e.(*ast.CallExpr)
			if !isCall {
				ok = false
				return false
			}
			callee, isFn := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
			if !isFn || callee.Pkg() == nil || strings.Contains(strings.Split(callee.Pkg().Path(), "/")[0], ".") || callee.Pkg() == pass.Pkg ||
				callee.Pkg().Path() == "fmt" || callee.Pkg().Path() == "errors" || // fmt.Errorf, errors.Join wrap
				isInterfaceMethod(callee) { // io.Closer.Close: any implementation's error
				ok = false
				return false
			}
		}
		return true
	})
	return ok
}

func isInterfaceMethod(fn *types.Func) bool {
	recv := fn.Type().(*types.Signature).Recv()
	return recv != nil && types.IsInterface(recv.Type())
}

// errorsOnly wraps deepequalerrors so that it reports reflect.DeepEqual on
// errors, as its documentation says (reflect.DeepEqual(err1, err2)), and on
// slices, arrays, maps and pointers of errors, but not on values of a struct
// type that merely has an error among its fields: gorilla/mux's tests
// compare []*Route, whose Route keeps a build error, to check which routes
// were registered; errors.Is has nothing to say there.
func errorsOnly(a *analysis.Analyzer) *analysis.Analyzer {
	c := *a
	run := a.Run
	c.Run = func(pass *analysis.Pass) (any, error) {
		calls := map[token.Pos]*ast.CallExpr{}
		for _, f := range pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					calls[call.Pos()] = call
				}
				return true
			})
		}
		filtered := *pass
		filtered.Report = func(d analysis.Diagnostic) {
			if call := calls[d.Pos]; call != nil {
				direct := false
				for _, arg := range call.Args {
					direct = direct || holdsErrors(pass.TypesInfo.TypeOf(arg))
				}
				if !direct {
					return
				}
			}
			pass.Report(d)
		}
		return run(&filtered)
	}
	return &c
}

// holdsErrors: t is error (or an interface or type implementing it), or a
// slice, array, map or pointer whose elements are.
func holdsErrors(t types.Type) bool {
	errType := types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
	for range 8 {
		if t == nil {
			return false
		}
		if types.Implements(t, errType) {
			return true
		}
		switch u := t.Underlying().(type) {
		case *types.Slice:
			t = u.Elem()
		case *types.Array:
			t = u.Elem()
		case *types.Map:
			if holdsErrors(u.Key()) {
				return true
			}
			t = u.Elem()
		case *types.Pointer:
			t = u.Elem()
		default:
			return false
		}
	}
	return false
}

// unwrapCall: x.Unwrap(), compared by identity on purpose: a test of what
// one step of unwrapping yields (errors.Is would look further down and
// pass for the wrong reason).
func unwrapCall(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 0 {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Unwrap"
}

// ownTypeAssertions returns the positions of type assertions of an error to
// an unexported error type of this package (cobra's flagErr.(*flagCompError)):
// only the package makes such errors, and it hands them back bare; errors.As
// would say the same. (A package that wraps its own unexported error and
// then asserts on the wrapper is missed.)
func ownTypeAssertions(pass *analysis.Pass) map[token.Pos]bool {
	out := map[token.Pos]bool{}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			ta, ok := n.(*ast.TypeAssertExpr)
			if !ok || ta.Type == nil {
				return true
			}
			t := pass.TypesInfo.TypeOf(ta.Type)
			if p, ok := t.(*types.Pointer); ok {
				t = p.Elem()
			}
			if named, ok := types.Unalias(t).(*types.Named); ok && named.Obj().Pkg() == pass.Pkg && !named.Obj().Exported() {
				out[ta.Pos()] = true
			}
			return true
		})
	}
	return out
}
