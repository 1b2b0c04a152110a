package lint

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// withoutRecovered wraps go-errorlint's analyzer so that comparisons of a
// value from recover() are not reported: a recovered value is whatever was
// passed to panic, not an error that travelled up a call chain being
// wrapped, so `recover() == http.ErrAbortHandler` is the right test (net/http
// compares it the same way). Reports ==, != and switch cases whose operand
// is recover() itself or a variable assigned only from recover(). Nor are
// comparisons of a field of the package's own struct type with the
// package's own sentinel (see ownSentinelInOwnField).
func withoutRecovered(a *analysis.Analyzer) *analysis.Analyzer {
	c := *a
	run := a.Run
	c.Run = func(pass *analysis.Pass) (any, error) {
		skip := recoveredComparisons(pass)
		if len(skip) == 0 {
			return run(pass)
		}
		filtered := *pass
		filtered.Report = func(d analysis.Diagnostic) {
			if skip[d.Pos] && (strings.HasPrefix(d.Message, "comparing with") || strings.HasPrefix(d.Message, "switch on an error")) {
				return
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
		if !ok {
			return false
		}
		b, ok := pass.TypesInfo.Uses[identOf(call.Fun)].(*types.Builtin)
		return ok && b.Name() == "recover"
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
	out := map[token.Pos]bool{}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && (recovered(n.X) || recovered(n.Y) ||
					ownSentinelInOwnField(pass, n.X, n.Y) || ownSentinelInOwnField(pass, n.Y, n.X)) {
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
