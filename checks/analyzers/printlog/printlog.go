// Package printlog defines an Analyzer that reports printing to stdout or
// stderr from library code, where structured logging (log/slog) belongs.
//
// # Analyzer printlog
//
// printlog: report fmt.Print*, log.Print* and println in library packages
//
// A library that writes to the process's stdout or stderr takes a decision
// that belongs to its caller: the text cannot be filtered, levelled,
// redirected or parsed, and it mixes with the program's real output. The
// practice is structured logging with log/slog (a *slog.Logger passed in, or
// slog.Default()), or returning the text or an error to the caller.
//
// The analyzer reports, in packages not named main and in files not ending
// in _test.go:
//
//   - fmt.Print, fmt.Printf, fmt.Println (stdout);
//   - fmt.Fprint, fmt.Fprintf, fmt.Fprintln whose writer is os.Stdout or
//     os.Stderr;
//   - the package-level functions of package log (Print*, Fatal*, Panic*,
//     and log.Default()), which write to the standard logger on stderr;
//     Fatal* also exits the process from library code;
//   - the built-in print and println.
//
// A logging library is allowed its last resort: in a package that
// implements a logger (it declares a type with at least two exported
// methods named like a logger's: Print*, Debug*, Info*, Warn*, Error*,
// Fatal*, Panic*, Log*, Msg*, Trace*), or that imports such a package of
// its own module (the library's hooks and writers), writing to os.Stderr is not
// reported on a failure path, i.e. inside an if block whose condition
// compares an error with nil (the logger could not write its event and has
// nowhere else to say so) or inside a deferred function that calls
// recover. Its other prints (to stdout, or to stderr on the normal path)
// are still reported.
//
// Two more writes to os.Stderr are the function's own purpose, not a
// decision taken for the caller, and are not reported:
//
//   - inside a logging function: an exported function with a logger's word
//     in its name (Debug, Info, Warn, Error, Log, Trace, Print: CompDebug,
//     LogError) that writes a parameter of its own (cobra's CompDebug(msg)
//     prints msg to stderr, where a shell completion script's logs go);
//   - a message written right before os.Exit in the same block (a CLI
//     library's CheckErr: print the error, exit 1). An exit from library
//     code is a decision too, but one printlog does not judge.
//
// Known false positives: a non-main package that is a program's own
// command-line output layer (for example cmd/tool/internal/ui) prints on
// purpose; writers other than os.Stdout/os.Stderr (a *log.Logger the caller
// configured, an io.Writer parameter) are never reported, even when they end
// up on stdout.
package printlog

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

// Analyzer is the printlog analyzer.
var Analyzer = &analysis.Analyzer{
	Name:      "printlog",
	Doc:       "report fmt.Print*, log.Print* and println in library packages\n\nLibrary code should log through log/slog (or return text and errors), not print to stdout or stderr.",
	URL:       "https://pkg.go.dev/github.com/gocap/gocap/checks/analyzers/printlog",
	Requires:  []*analysis.Analyzer{inspect.Analyzer},
	Run:       run,
	FactTypes: []analysis.Fact{new(loggerPackage)},
}

// loggerPackage is the fact of a package that implements a logger.
type loggerPackage struct{}

func (*loggerPackage) AFact()         {}
func (*loggerPackage) String() string { return "implements a logger" }

// Diagnostic categories (sub-rules).
const (
	CategoryFmt     = "fmt"     // fmt.Print* / Fprint*(os.Stdout|os.Stderr)
	CategoryLog     = "log"     // log.Print*, log.Default()
	CategoryFatal   = "fatal"   // log.Fatal*, log.Panic*
	CategoryBuiltin = "builtin" // print, println
)

func run(pass *analysis.Pass) (any, error) {
	if pass.Pkg.Name() == "main" {
		return nil, nil
	}
	insp := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	logger := implementsLogger(pass)
	if logger {
		pass.ExportPackageFact(new(loggerPackage))
	}
	logger = logger || importsModuleLogger(pass)
	for cur := range insp.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		file := pass.Fset.File(call.Pos())
		if file == nil || strings.HasSuffix(file.Name(), "_test.go") {
			continue
		}
		switch fn := typeutil.Callee(pass.TypesInfo, call).(type) {
		case *types.Builtin:
			if fn.Name() == "print" || fn.Name() == "println" {
				pass.Report(analysis.Diagnostic{Pos: call.Pos(), End: call.End(), Category: CategoryBuiltin,
					Message: "built-in " + fn.Name() + " writes to stderr from library package " + pass.Pkg.Name() + ": use log/slog"})
			}
		case *types.Func:
			if logger && writesStderr(pass, call, fn) && onFailurePath(pass, cur) {
				continue // a logger's last resort when it cannot log
			}
			if writesStderr(pass, call, fn) && (loggingFunc(pass, cur, call) || beforeExit(pass, cur)) {
				continue // the function is a logger, or the text is an exit's last word
			}
			if replaceableDefault(pass, cur) {
				continue // the default of a hook the caller can set
			}
			check(pass, call, fn)
		}
	}
	return nil, nil
}

func check(pass *analysis.Pass, call *ast.CallExpr, fn *types.Func) {
	if fn.Pkg() == nil {
		return
	}
	if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
		return // methods (a caller-configured *log.Logger) are not reported
	}
	name := fn.Name()
	lib := pass.Pkg.Name()
	switch fn.Pkg().Path() {
	case "fmt":
		switch name {
		case "Print", "Printf", "Println":
			pass.Report(analysis.Diagnostic{Pos: call.Pos(), End: call.End(), Category: CategoryFmt,
				Message: "fmt." + name + " writes to stdout from library package " + lib + ": use log/slog, or return the text to the caller"})
		case "Fprint", "Fprintf", "Fprintln":
			if len(call.Args) > 0 {
				if std := stdStream(pass, call.Args[0]); std != "" {
					pass.Report(analysis.Diagnostic{Pos: call.Pos(), End: call.End(), Category: CategoryFmt,
						Message: "fmt." + name + " writes to os." + std + " from library package " + lib + ": use log/slog, or take an io.Writer from the caller"})
				}
			}
		}
	case "log":
		switch {
		case strings.HasPrefix(name, "Print"), name == "Default", name == "Output":
			pass.Report(analysis.Diagnostic{Pos: call.Pos(), End: call.End(), Category: CategoryLog,
				Message: "log." + name + " writes unstructured text to the standard logger from library package " + lib + ": use log/slog"})
		case strings.HasPrefix(name, "Fatal"), strings.HasPrefix(name, "Panic"):
			what := "exits the process"
			if strings.HasPrefix(name, "Panic") {
				what = "panics"
			}
			pass.Report(analysis.Diagnostic{Pos: call.Pos(), End: call.End(), Category: CategoryFatal,
				Message: "log." + name + " logs unstructured text and " + what + " from library package " + lib + ": return an error and log with log/slog in main"})
		}
	}
}

// stdStream returns "Stdout" or "Stderr" when e is the variable os.Stdout or
// os.Stderr, else "".
func stdStream(pass *analysis.Pass, e ast.Expr) string {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	v, ok := pass.TypesInfo.Uses[sel.Sel].(*types.Var)
	if !ok || v.Pkg() == nil || v.Pkg().Path() != "os" {
		return ""
	}
	if n := v.Name(); n == "Stdout" || n == "Stderr" {
		return n
	}
	return ""
}

// loggerMethod: method names of a logger's print API.
func loggerMethod(name string) bool {
	for _, p := range []string{"Print", "Trace", "Debug", "Info", "Warn", "Error", "Fatal", "Panic", "Log", "Msg"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// implementsLogger reports whether the package declares, in a non-test
// file, a named type with at least two exported logger-like methods.
func implementsLogger(pass *analysis.Pass) bool {
	scope := pass.Pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok {
			continue
		}
		named, ok := tn.Type().(*types.Named)
		if !ok {
			continue
		}
		n := 0
		for i := range named.NumMethods() {
			m := named.Method(i)
			if m.Exported() && loggerMethod(m.Name()) {
				n++
			}
		}
		if n >= 2 {
			if f := pass.Fset.File(tn.Pos()); f != nil && !strings.HasSuffix(f.Name(), "_test.go") {
				return true
			}
		}
	}
	return false
}

// importsModuleLogger reports whether the package imports a package of
// its own module that implements a logger (a logging library's hooks and
// writers: logrus/hooks/syslog, zerolog/diode).
func importsModuleLogger(pass *analysis.Pass) bool {
	mod := ""
	if pass.Module != nil {
		mod = pass.Module.Path
	}
	if mod == "" {
		// No module (GOPATH mode): the first element of the path.
		mod, _, _ = strings.Cut(pass.Pkg.Path(), "/")
	}
	for _, imp := range pass.Pkg.Imports() {
		if p := imp.Path(); p != mod && !strings.HasPrefix(p, mod+"/") {
			continue
		}
		var f loggerPackage
		if pass.ImportPackageFact(imp, &f) {
			return true
		}
	}
	return false
}

// writesStderr: fmt.Fprint*(os.Stderr, …).
func writesStderr(pass *analysis.Pass, call *ast.CallExpr, fn *types.Func) bool {
	if fn.Pkg() == nil || fn.Pkg().Path() != "fmt" || !strings.HasPrefix(fn.Name(), "Fprint") || len(call.Args) == 0 {
		return false
	}
	return stdStream(pass, call.Args[0]) == "Stderr"
}

// onFailurePath: inside an if whose condition compares an error with nil,
// or inside a function literal that calls recover.
func onFailurePath(pass *analysis.Pass, cur inspector.Cursor) bool {
	for c := range cur.Enclosing((*ast.IfStmt)(nil), (*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		switch n := c.Node().(type) {
		case *ast.IfStmt:
			if comparesErrorWithNil(pass, n.Cond) && n.Body.Pos() <= cur.Node().Pos() && cur.Node().End() <= n.Body.End() {
				return true
			}
		case *ast.FuncLit:
			if callsRecover(pass, n.Body) {
				return true
			}
		case *ast.FuncDecl:
			return false
		}
	}
	return false
}

func comparesErrorWithNil(pass *analysis.Pass, e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		b, ok := n.(*ast.BinaryExpr)
		if !ok || found {
			return !found
		}
		if b.Op.String() != "!=" && b.Op.String() != "==" {
			return true
		}
		for _, side := range []ast.Expr{b.X, b.Y} {
			if t := pass.TypesInfo.TypeOf(side); t != nil && types.Identical(t, types.Universe.Lookup("error").Type()) {
				found = true
			}
		}
		return true
	})
	return found
}

func callsRecover(pass *analysis.Pass, body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
				if b, ok := pass.TypesInfo.Uses[id].(*types.Builtin); ok && b.Name() == "recover" {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// replaceableDefault reports a call inside a function literal that is the
// default value of a local hook the function replaces with the caller's
// own when given (VictoriaMetrics/metrics: logErr := func(...) {
// log.Printf(...) }; if opts.LogErr != nil { logErr = opts.LogErr }): the
// caller already decides where the text goes.
func replaceableDefault(pass *analysis.Pass, cur inspector.Cursor) bool {
	for lit := range cur.Enclosing((*ast.FuncLit)(nil)) {
		as, ok := lit.Parent().Node().(*ast.AssignStmt)
		if !ok || len(as.Lhs) != len(as.Rhs) {
			return false
		}
		var hook types.Object
		for i, r := range as.Rhs {
			if r == lit.Node() {
				if id, ok := as.Lhs[i].(*ast.Ident); ok {
					hook = pass.TypesInfo.ObjectOf(id)
				}
			}
		}
		if hook == nil {
			return false
		}
		fd, ok := firstEnclosing(lit, (*ast.FuncDecl)(nil))
		if !ok {
			return false
		}
		replaced := false
		ast.Inspect(fd.Node(), func(n ast.Node) bool {
			a, ok := n.(*ast.AssignStmt)
			if !ok || a == as || a.Tok != token.ASSIGN || len(a.Lhs) != len(a.Rhs) {
				return true
			}
			for i, l := range a.Lhs {
				if id, ok := l.(*ast.Ident); ok && pass.TypesInfo.Uses[id] == hook {
					if _, lit := a.Rhs[i].(*ast.FuncLit); !lit {
						replaced = true // by a value from elsewhere, not another literal
					}
				}
			}
			return true
		})
		return replaced
	}
	return false
}

func firstEnclosing(c inspector.Cursor, t ast.Node) (inspector.Cursor, bool) {
	for e := range c.Enclosing(t) {
		return e, true
	}
	return inspector.Cursor{}, false
}

// loggerWords: the words of a logging function's name.
var loggerWords = map[string]bool{"Print": true, "Printf": true, "Println": true, "Trace": true, "Debug": true, "Debugf": true, "Debugln": true,
	"Info": true, "Infof": true, "Warn": true, "Warnf": true, "Warning": true, "Error": true, "Errorf": true, "Errorln": true, "Log": true, "Logf": true}

// loggingFunc: the call is in an exported function (not a method of a
// logger: those are implementsLogger's) with a logger's word in its
// camel-case name, and an argument of the call refers to one of that
// function's parameters (it prints what its caller gave it).
func loggingFunc(pass *analysis.Pass, cur inspector.Cursor, call *ast.CallExpr) bool {
	fdc, ok := firstEnclosing(cur, (*ast.FuncDecl)(nil))
	if !ok {
		return false
	}
	fd := fdc.Node().(*ast.FuncDecl)
	if !fd.Name.IsExported() || fd.Type.Params == nil {
		return false
	}
	named := false
	for _, w := range camelWords(fd.Name.Name) {
		named = named || loggerWords[w]
	}
	if !named {
		return false
	}
	params := map[types.Object]bool{}
	for _, f := range fd.Type.Params.List {
		for _, n := range f.Names {
			params[pass.TypesInfo.Defs[n]] = true
		}
	}
	uses := false
	for _, a := range call.Args[1:] {
		ast.Inspect(a, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && params[pass.TypesInfo.Uses[id]] {
				uses = true
			}
			return !uses
		})
	}
	return uses
}

// camelWords splits a Go name at its upper-case letters: CompDebugln ->
// Comp, Debugln.
func camelWords(name string) []string {
	var words []string
	start := 0
	for i, r := range name {
		if i > 0 && r >= 'A' && r <= 'Z' {
			words = append(words, name[start:i])
			start = i
		}
	}
	return append(words, name[start:])
}

// beforeExit: the statement holding the call is followed, next in its
// block, by a call of os.Exit.
func beforeExit(pass *analysis.Pass, cur inspector.Cursor) bool {
	stmt := cur.Parent()
	if _, ok := stmt.Node().(*ast.ExprStmt); !ok {
		return false
	}
	next, ok := stmt.NextSibling()
	if !ok {
		return false
	}
	es, ok := next.Node().(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := ast.Unparen(es.X).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
	return ok && fn.Pkg() != nil && fn.Pkg().Path() == "os" && fn.Name() == "Exit"
}
