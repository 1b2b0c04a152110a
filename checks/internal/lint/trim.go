package lint

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Dependencies are loaded from source because the fact-producing analyzers
// (printf's wrapper facts, ctrlflow's no-return facts) must run on them, as
// go vet runs them through its vetx files. Type-checking every function
// body of every dependency is most of the cost of a load, yet only two kinds
// of bodies can produce a fact:
//
//   - a variadic function may be a printf wrapper (printf only considers
//     functions whose last parameter is ...);
//   - a function may never return (ctrlflow) only if calls may cut off its
//     end on every path.
//
// parseFileFor therefore drops, in files of the standard library and the
// module cache, the bodies of non-variadic functions whose end cannot be cut
// off by calls (see mayProduceFact): such a function returns unless a call
// that never returns sits on every path with more code after it, i.e. dead
// code. Composite literals in package-level variable initializers lose their
// elements too (see emptyLiterals). The module's own files, local
// replacements and cgo output are parsed whole. Dropping bodies leaves the
// imports only they used unused: fixTrimErrors removes those errors again,
// and any other error in a dependency makes Run load it again whole.

// trimDeps turns the trimming on; tests compare with it off.
var trimDeps = true

const parseMode = parser.AllErrors | parser.ParseComments

// parseFileFor parses the files of the standard library and of the module
// cache (the folders in depDirs) trimmed and without comments, and every
// other file (the module's own, local replacements, cgo output in the build
// cache) whole.
func parseFileFor(depDirs []string) func(*token.FileSet, string, []byte) (*ast.File, error) {
	return func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
		dep := false
		for _, d := range depDirs {
			dep = dep || inDir(d, filename)
		}
		if !dep {
			return parser.ParseFile(fset, filename, src, parseMode)
		}
		// Comments do not matter to the type checker or to the fact
		// producers (//go:build versions and //line directives are read
		// either way): leave them out of dependency syntax.
		f, err := parser.ParseFile(fset, filename, src, parser.AllErrors|parser.SkipObjectResolution)
		if f != nil {
			trimBodies(f)
		}
		return f, err
	}
}

// depDirs returns GOROOT/src and GOMODCACHE as the go command in dir sees
// them: the folders whose files are dependencies, never the module's own.
func depDirs(ctx context.Context, dir string) []string {
	cmd := exec.CommandContext(ctx, "go", "env", "GOROOT", "GOMODCACHE")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil // no trimming: slower, still exact
	}
	var dirs []string
	for i, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if i == 0 {
			l = filepath.Join(l, "src")
		}
		if inDir(l, dir) {
			continue // the module itself lives there (e.g. gocap run on the standard library)
		}
		dirs = append(dirs, l)
	}
	return dirs
}

func trimBodies(f *ast.File) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Body != nil && !mayProduceFact(d) {
				d.Body = nil
			}
		case *ast.GenDecl:
			if d.Tok == token.VAR {
				for _, s := range d.Specs {
					for _, v := range s.(*ast.ValueSpec).Values {
						emptyLiterals(v)
					}
				}
			}
		}
	}
}

// emptyLiterals drops the elements of the composite literals in a
// package-level initializer (unicode tables, lookup maps): the literal's
// written type stays, so the variable's type does not change, and no fact
// comes from a value. [...]T literals keep their elements, which set the length.
func emptyLiterals(e ast.Expr) {
	ast.Inspect(e, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false // its locals may be used only by the literals inside
		}
		cl, ok := n.(*ast.CompositeLit)
		if !ok || cl.Type == nil {
			return true
		}
		if at, ok := cl.Type.(*ast.ArrayType); ok {
			if _, ok := at.Len.(*ast.Ellipsis); ok {
				return true
			}
		}
		cl.Elts = nil
		return false
	})
}

// mayProduceFact reports whether fd's body could yield a printf wrapper or
// a no-return fact. A body is kept when the function is variadic, or when
// its end may be cut off by calls: its last statement may block (see
// mayBlock), or it is a return right after a statement that may block (the
// "log.Fatal(…); return nil" pattern the compiler forces on functions with
// results).
func mayProduceFact(fd *ast.FuncDecl) bool {
	if isGeneric(fd) || fd.Recv == nil && (fd.Name.Name == "init" || fd.Name.Name == "main") {
		return true // go/types rejects these without a body
	}
	if ps := fd.Type.Params.List; len(ps) > 0 {
		if _, ok := ps[len(ps)-1].Type.(*ast.Ellipsis); ok {
			return true
		}
	}
	list := fd.Body.List
	if len(list) == 0 {
		return false
	}
	if _, ok := list[len(list)-1].(*ast.ReturnStmt); ok {
		return len(list) >= 2 && mayBlock(list[len(list)-2])
	}
	return mayBlock(list[len(list)-1])
}

// mayBlock reports whether every way through s may end in a call that
// never returns (or an endless loop), so that control may not get past it.
// Statements that can complete normally on some path (an if without else,
// a switch without default, a loop with a condition, an assignment) or that
// return do not block.
func mayBlock(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.ExprStmt:
		_, ok := ast.Unparen(s.X).(*ast.CallExpr)
		return ok
	case *ast.BlockStmt:
		return len(s.List) > 0 && mayBlock(s.List[len(s.List)-1])
	case *ast.IfStmt:
		return s.Else != nil && mayBlock(s.Body) && mayBlock(s.Else)
	case *ast.LabeledStmt:
		return true // a target of goto or labelled break/continue: be careful
	case *ast.ForStmt:
		return s.Cond == nil
	case *ast.SwitchStmt:
		return clausesBlock(s.Body, true)
	case *ast.TypeSwitchStmt:
		return clausesBlock(s.Body, true)
	case *ast.SelectStmt:
		return clausesBlock(s.Body, false)
	case *ast.BranchStmt:
		return s.Tok == token.GOTO
	}
	return false
}

// clausesBlock: every clause may block (and, for switches, one is default).
func clausesBlock(body *ast.BlockStmt, needDefault bool) bool {
	hasDefault := false
	for _, c := range body.List {
		var stmts []ast.Stmt
		switch c := c.(type) {
		case *ast.CaseClause:
			hasDefault = hasDefault || c.List == nil
			stmts = c.Body
		case *ast.CommClause:
			stmts = c.Body
		}
		if len(stmts) == 0 {
			return false
		}
		last := stmts[len(stmts)-1]
		if b, ok := last.(*ast.BranchStmt); ok && b.Tok == token.FALLTHROUGH {
			continue // its path goes on in the next clause
		}
		if !mayBlock(last) {
			return false
		}
	}
	return hasDefault || !needDefault
}

func isGeneric(fd *ast.FuncDecl) bool {
	if fd.Type.TypeParams != nil && len(fd.Type.TypeParams.List) > 0 {
		return true
	}
	if fd.Recv != nil && len(fd.Recv.List) == 1 {
		t := fd.Recv.List[0].Type
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
		}
		switch t.(type) {
		case *ast.IndexExpr, *ast.IndexListExpr:
			return true
		}
	}
	return false
}

// fixTrimErrors removes from packages outside dir the "imported and not
// used" errors that dropping bodies causes, and recomputes IllTyped (which
// go/packages propagates from imports) bottom-up. It reports false when a
// package outside dir still has errors: the caller then loads again without
// trimming, so that what remains is exactly what go vet would see.
func fixTrimErrors(initial []*packages.Package, dir string) bool {
	ok := true
	packages.Visit(initial, nil, func(p *packages.Package) {
		if !pkgInDir(p, dir) && len(p.Errors) > 0 {
			keep := p.Errors[:0]
			for _, e := range p.Errors {
				if e.Kind == packages.TypeError && isUnusedImport(e.Msg) {
					continue
				}
				keep = append(keep, e)
			}
			p.Errors = keep
			tkeep := p.TypeErrors[:0]
			for _, e := range p.TypeErrors {
				if !(e.Soft && isUnusedImport(e.Msg)) {
					tkeep = append(tkeep, e)
				}
			}
			p.TypeErrors = tkeep
			ok = ok && len(p.Errors) == 0
		}
		ill := len(p.Errors) > 0
		for _, imp := range p.Imports {
			ill = ill || imp.IllTyped
		}
		p.IllTyped = ill
	})
	return ok
}

func isUnusedImport(msg string) bool {
	return strings.HasSuffix(msg, " imported and not used") || strings.Contains(msg, " imported as ") && strings.HasSuffix(msg, " and not used")
}

// pkgInDir reports whether p's source is in dir (GoFiles, not the
// CompiledGoFiles that cgo writes to the build cache).
func pkgInDir(p *packages.Package, dir string) bool {
	for _, f := range p.GoFiles {
		return inDir(dir, f)
	}
	for _, f := range p.CompiledGoFiles {
		return inDir(dir, f)
	}
	return false
}
