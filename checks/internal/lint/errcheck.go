package lint

import (
	"bytes"
	"go/ast"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/kisielk/errcheck/errcheck"
)

// ErrcheckOptions say which dropped errors errcheck does not report.
//
// errcheck's own default excludes always apply (errcheck.DefaultExcludedSymbols:
// fmt.Print*, fmt.Fprint* to a *bytes.Buffer, *strings.Builder or
// os.Stderr, the Write* methods of *bytes.Buffer, *strings.Builder,
// hash.Hash, crypto/sha3 and hash/maphash, crypto/rand.Read and
// math/rand.Read, io.Pipe*'s CloseWithError, errors.AsType). So do the
// writers gocap knows never fail or keep their error for later (see
// neverFails).
type ErrcheckOptions struct {
	// StdErrorHandling applies golangci-lint v2's std-error-handling
	// exclusion preset (its old EXC0001): calls named like .*Close,
	// .*Flush, os.Remove(All), .*print(f|ln)?, os.(Un)Setenv and anything
	// on os.Stdout/os.Stderr. On by default: teams that gate on errcheck
	// through golangci-lint mostly run with it.
	StdErrorHandling bool `json:"std_error_handling"`
	// ExcludeFunctions are more symbols not to report, in errcheck's own
	// syntax (golangci-lint's exclude-functions): pkg.Func, (pkg.T).Method,
	// (*pkg.T).Method, e.g. io.Copy or (*os.File).Close, and pkg.Func(T)
	// for calls whose first argument has type T: io.WriteString(fmt.State).
	ExcludeFunctions []string `json:"exclude_functions,omitempty"`
}

// DefaultErrcheck is gocap's default: the std-error-handling preset on.
var DefaultErrcheck = ErrcheckOptions{StdErrorHandling: true}

// stdErrorHandling is golangci-lint v2's std-error-handling preset, matched
// (case-insensitively, as there) against the called expression as written.
var stdErrorHandling = regexp.MustCompile(`(?i)^((os\.)?std(out|err)\..*|.*Close|.*Flush|os\.Remove(All)?|.*print(f|ln)?|os\.(Un)?Setenv)$`)

// newErrcheck returns errcheck's analyzer with a Run that reports only the
// unchecked errors opts and neverFails leave, as "error returned by F is
// not checked" (errcheck's own diagnostics say only "unchecked error").
func newErrcheck(opts ErrcheckOptions) *analysis.Analyzer {
	c := *errcheck.Analyzer
	exclude := map[string]bool{}
	for _, s := range opts.ExcludeFunctions {
		exclude[strings.TrimSpace(s)] = true
	}
	c.Run = func(pass *analysis.Pass) (any, error) {
		quiet := *pass
		quiet.Report = func(analysis.Diagnostic) {}
		res, err := errcheck.Analyzer.Run(&quiet)
		if err != nil {
			return res, err
		}
		r, ok := res.(errcheck.Result)
		if !ok {
			return res, nil
		}
		calls := callsByLparen(pass)
		outputs := ignoredOutputs(pass)
		for _, u := range r.UncheckedErrors {
			if exclude[u.FuncName] {
				continue
			}
			name := u.SelectorName
			if name == "" {
				name = u.FuncName
			}
			if opts.StdErrorHandling && name != "" && stdErrorHandling.MatchString(name) {
				continue
			}
			call := calls[posKey{u.Pos.Filename, u.Pos.Offset}]
			if call != nil && len(call.Args) > 0 && u.FuncName != "" {
				// errcheck's form for a function by its first argument's
				// type: io.WriteString(fmt.State), fmt.Fprint(*bytes.Buffer).
				if t := pass.TypesInfo.TypeOf(call.Args[0]); t != nil && exclude[u.FuncName+"("+types.TypeString(t, nil)+")"] {
					continue
				}
			}
			if call != nil && (neverFails(pass.TypesInfo, call) || outputs.covers(pass.TypesInfo, call) || outputs.handsBack(pass.TypesInfo, call) || outputs.exits(pass.TypesInfo, call) || outputs.panicking[call] || isBuiltin(pass.TypesInfo, call, "recover")) {
				// recover() returns the panic's value, not an error: a bare
				// recover() is a deliberate decision to swallow it.
				continue
			}
			tf := fileByName(pass, u.Pos.Filename)
			if tf == nil {
				continue
			}
			fn := u.FuncName
			if fn == "" && call != nil {
				fn = types.ExprString(call.Fun)
			}
			if fn == "" {
				fn = "the call"
			}
			pass.Report(analysis.Diagnostic{Pos: tf.Pos(u.Pos.Offset), Message: "error returned by " + fn + " is not checked"})
		}
		return res, nil
	}
	return &c
}

type posKey struct {
	file string
	off  int
}

func callsByLparen(pass *analysis.Pass) map[posKey]*ast.CallExpr {
	out := map[posKey]*ast.CallExpr{}
	for _, f := range pass.Files {
		tf := pass.Fset.File(f.Pos())
		ast.Inspect(f, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				out[posKey{tf.Name(), tf.Offset(c.Lparen)}] = c
			}
			return true
		})
	}
	return out
}

// neverFails reports calls whose error carries nothing to act on:
//
//   - Write, WriteString, WriteByte and WriteRune on a value whose type
//     implements hash.Hash (its contract: Write never returns an error),
//     e.g. xxhash's *Digest, which errcheck's hash.Hash exclusion misses
//     when called on the concrete type;
//   - writes to a *bufio.Writer: its error is sticky and comes back from
//     Flush, which is where it must be checked;
//   - Write on an http.ResponseWriter: a failed write means the client went
//     away, and neither a handler nor a test's handler can tell anyone;
//   - fmt.Fprint* and io.WriteString into any of those writers or into a
//     *bytes.Buffer or *strings.Builder;
//   - UnreadByte and UnreadRune on a *bufio.Reader, *bytes.Reader or
//     *strings.Reader: they fail only when the previous call was not a
//     read, which is visible right before them.
func neverFails(info *types.Info, call *ast.CallExpr) bool {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() != nil && isNamed(sig.Recv().Type(), "net/http", "Header") && (fn.Name() == "Write" || fn.Name() == "WriteSubset") {
		// Its only error is the writer's.
		return len(call.Args) > 0 && neverFailingWriter(info.TypeOf(call.Args[0]))
	}
	if sig.Recv() != nil && isNamed(sig.Recv().Type(), "flag", "FlagSet") && fn.Name() == "Parse" && len(call.Args) == 1 {
		// Parse(nil): no arguments, nothing to fail on; it only marks
		// the set parsed (pflag does it to the Go flag sets it adds).
		if id, ok := ast.Unparen(call.Args[0]).(*ast.Ident); ok && id.Name == "nil" {
			return true
		}
	}
	if sig.Recv() != nil {
		if n := fn.Name(); (n == "UnreadByte" || n == "UnreadRune") && readerWithUnread(sig.Recv().Type()) {
			return true
		}
		switch fn.Name() {
		case "Write", "WriteString", "WriteByte", "WriteRune":
		default:
			return false
		}
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return false
		}
		return quietWriter(info.TypeOf(sel.X))
	}
	switch fn.Pkg().Path() + "." + fn.Name() {
	case "fmt.Fprint", "fmt.Fprintf", "fmt.Fprintln", "io.WriteString":
		if len(call.Args) > 0 {
			return neverFailingWriter(info.TypeOf(call.Args[0]))
		}
	}
	return false
}

// neverFailingWriter: a quietWriter, a *bytes.Buffer or a *strings.Builder.
func neverFailingWriter(t types.Type) bool {
	return quietWriter(t) || isNamed(t, "bytes", "Buffer") || isNamed(t, "strings", "Builder")
}

// outputWriters are the writers whose write errors a package drops on
// purpose, by the std-error-handling preset's own rules, so that a Write on
// them is the same kind of dropped error as the preset's:
//
//   - a package-level variable set to os.Stdout or os.Stderr and assigned
//     nowhere else outside the tests (chi's recovererErrorWriter, a hook
//     tests swap for a buffer): the preset drops anything on os.Stdout and
//     os.Stderr;
//   - a writer that the same function also writes to with fmt.Fprint* and
//     drops that error (the preset's print rule): writing the colour codes
//     around a Fprintf with w.Write is the same output.
type outputWriters struct {
	std    map[types.Object]bool
	prints map[*ast.FuncDecl]map[types.Object]bool
	funcs  []*ast.FuncDecl
	decls  map[*types.Func]*ast.FuncDecl // by object (funcDecls)
	// exiting are flag sets made with ExitOnError (flag.NewFlagSet(name,
	// flag.ExitOnError), pflag's CommandLine): their Parse exits the
	// process on a bad flag instead of returning the error, which is why
	// the standard library's own flag.Parse drops it.
	exiting map[types.Object]bool
	// safe are parameters that only hold writers that cannot fail (see
	// safeWriterParams).
	safe map[*types.Var]bool
	// panicking are the calls expected to panic: the last statement of a
	// function that defers a recover() (a test that the call panics).
	panicking map[*ast.CallExpr]bool
}

// expectedPanics finds the last statement's call of every function body
// that defers a function calling recover().
func expectedPanics(pass *analysis.Pass) map[*ast.CallExpr]bool {
	out := map[*ast.CallExpr]bool{}
	check := func(body *ast.BlockStmt) {
		if body == nil || len(body.List) == 0 {
			return
		}
		recovers := false
		for _, st := range body.List {
			d, ok := st.(*ast.DeferStmt)
			if !ok {
				continue
			}
			if lit, ok := d.Call.Fun.(*ast.FuncLit); ok {
				ast.Inspect(lit.Body, func(n ast.Node) bool {
					if c, ok := n.(*ast.CallExpr); ok && isBuiltin(pass.TypesInfo, c, "recover") {
						recovers = true
					}
					return !recovers
				})
			}
		}
		if !recovers {
			return
		}
		if es, ok := body.List[len(body.List)-1].(*ast.ExprStmt); ok {
			if c, ok := es.X.(*ast.CallExpr); ok {
				out[c] = true
			}
		}
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				check(n.Body)
			case *ast.FuncLit:
				check(n.Body)
			}
			return true
		})
	}
	return out
}

// exitOnErrorCall: a call with an argument named ExitOnError.
func exitOnErrorCall(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	for _, a := range call.Args {
		switch a := ast.Unparen(a).(type) {
		case *ast.Ident:
			if a.Name == "ExitOnError" {
				return true
			}
		case *ast.SelectorExpr:
			if a.Sel.Name == "ExitOnError" {
				return true
			}
		}
	}
	return false
}

func ignoredOutputs(pass *analysis.Pass) *outputWriters {
	o := &outputWriters{std: map[types.Object]bool{}, prints: map[*ast.FuncDecl]map[types.Object]bool{}, exiting: map[types.Object]bool{}}
	isStd := func(e ast.Expr) bool {
		sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Stdout" && sel.Sel.Name != "Stderr") {
			return false
		}
		v, ok := pass.TypesInfo.Uses[sel.Sel].(*types.Var)
		return ok && v.Pkg() != nil && v.Pkg().Path() == "os"
	}
	assigned := map[types.Object]bool{}
	for _, f := range pass.Files {
		test := strings.HasSuffix(pass.Fset.File(f.Pos()).Name(), "_test.go")
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && !test {
				for _, sp := range gd.Specs {
					if vs, ok := sp.(*ast.ValueSpec); ok && len(vs.Names) == len(vs.Values) {
						for i, n := range vs.Names {
							if obj := pass.TypesInfo.Defs[n]; obj != nil && isStd(vs.Values[i]) {
								o.std[obj] = true
							}
							if obj := pass.TypesInfo.Defs[n]; obj != nil && exitOnErrorCall(vs.Values[i]) {
								o.exiting[obj] = true
							}
						}
					}
				}
			}
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			o.funcs = append(o.funcs, fd)
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					if n.Tok == token.DEFINE && len(n.Lhs) == len(n.Rhs) {
						for i, l := range n.Lhs {
							if id, ok := l.(*ast.Ident); ok && exitOnErrorCall(n.Rhs[i]) {
								if obj := pass.TypesInfo.Defs[id]; obj != nil {
									o.exiting[obj] = true
								}
							}
						}
					}
					if !test {
						for _, l := range n.Lhs {
							if id, ok := ast.Unparen(l).(*ast.Ident); ok {
								if obj := pass.TypesInfo.Uses[id]; obj != nil {
									assigned[obj] = true
								}
							}
						}
					}
				case *ast.ExprStmt:
					call, ok := n.X.(*ast.CallExpr)
					if !ok || len(call.Args) == 0 {
						break
					}
					fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
					if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "fmt" || !strings.HasPrefix(fn.Name(), "Fprint") {
						break
					}
					if id, ok := ast.Unparen(call.Args[0]).(*ast.Ident); ok {
						if obj := pass.TypesInfo.Uses[id]; obj != nil {
							if o.prints[fd] == nil {
								o.prints[fd] = map[types.Object]bool{}
							}
							o.prints[fd][obj] = true
						}
					}
				}
				return true
			})
		}
	}
	for obj := range assigned {
		delete(o.std, obj)
		delete(o.exiting, obj)
	}
	o.decls = funcDecls(pass)
	o.safe = safeWriterParams(pass, o.decls)
	o.panicking = expectedPanics(pass)
	for obj := range assigned {
		if v, ok := obj.(*types.Var); ok {
			delete(o.safe, v) // a parameter set in its body holds what it was set to
		}
	}
	return o
}

// exits reports X.Parse(...) (or pflag's X.ParseAll) on a flag set made
// with ExitOnError.
func (o *outputWriters) exits(info *types.Info, call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || (sel.Sel.Name != "Parse" && sel.Sel.Name != "ParseAll") { // ParseAll: pflag's
		return false
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	return ok && o.exiting[info.Uses[id]]
}

// handsBack reports a call of a function of this package that returns,
// as its error, the error it was passed, unchanged on every return (pflag's
// f.fail(err) prints the usage and returns err): the caller already holds
// that error, so dropping the result drops nothing.
func (o *outputWriters) handsBack(info *types.Info, call *ast.CallExpr) bool {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok {
		return false
	}
	fd := o.decls[fn]
	if fd == nil || fd.Body == nil {
		return false
	}
	sig := fn.Type().(*types.Signature)
	res := sig.Results()
	if res.Len() != 1 || !types.Identical(res.At(0).Type(), types.Universe.Lookup("error").Type()) {
		return false
	}
	params := map[types.Object]bool{}
	for i := 0; i < sig.Params().Len(); i++ {
		if p := sig.Params().At(i); types.Identical(p.Type(), res.At(0).Type()) {
			params[p] = true
		}
	}
	if len(params) == 0 {
		return false
	}
	ok = true
	returns := 0
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if id, isID := ast.Unparen(l).(*ast.Ident); isID && params[info.Uses[id]] {
					ok = false // the parameter is changed
				}
			}
		case *ast.ReturnStmt:
			returns++
			if len(n.Results) != 1 {
				ok = false
				return false
			}
			id, isID := ast.Unparen(n.Results[0]).(*ast.Ident)
			if !isID || !params[info.Uses[id]] {
				ok = false
			}
		}
		return true
	})
	return ok && returns > 0
}

// covers reports a Write* call on one of the output writers.
func (o *outputWriters) covers(info *types.Info, call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !strings.HasPrefix(sel.Sel.Name, "Write") {
		return false
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return false
	}
	obj := info.Uses[id]
	if obj == nil {
		return false
	}
	if o.std[obj] {
		return true
	}
	if v, ok := obj.(*types.Var); ok && o.safe[v] {
		return true
	}
	for _, fd := range o.funcs {
		if fd.Pos() <= call.Pos() && call.End() <= fd.End() {
			return o.prints[fd][obj]
		}
	}
	return false
}

// readerWithUnread: the standard readers whose UnreadByte/UnreadRune fail
// only when the previous call was not a read, which the code right before
// them shows (bufio.Reader, bytes.Reader, strings.Reader).
func readerWithUnread(t types.Type) bool {
	return isNamed(t, "bufio", "Reader") || isNamed(t, "bytes", "Reader") || isNamed(t, "strings", "Reader")
}

// quietWriter: a hash, a *bufio.Writer or an http.ResponseWriter.
func quietWriter(t types.Type) bool {
	if t == nil {
		return false
	}
	if isNamed(t, "bufio", "Writer") || isNamed(t, "net/http", "ResponseWriter") {
		return true
	}
	if hashIface == nil {
		return false
	}
	return types.Implements(t, hashIface) || types.Implements(types.NewPointer(t), hashIface) && !types.IsInterface(t)
}

// isNamed: t is pkg.name or *pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// hashIface is hash.Hash's method set, built by hand so no package needs to
// import hash: Write, Sum, Reset, Size, BlockSize.
var hashIface = func() *types.Interface {
	byteSlice := types.NewSlice(types.Typ[types.Byte])
	errType := types.Universe.Lookup("error").Type()
	intT := types.Typ[types.Int]
	v := func(t types.Type) *types.Var { return types.NewParam(0, nil, "", t) }
	m := func(name string, params, results []*types.Var) *types.Func {
		return types.NewFunc(0, nil, name, types.NewSignatureType(nil, nil, nil, types.NewTuple(params...), types.NewTuple(results...), false))
	}
	it := types.NewInterfaceType([]*types.Func{
		m("Write", []*types.Var{v(byteSlice)}, []*types.Var{v(intT), v(errType)}),
		m("Sum", []*types.Var{v(byteSlice)}, []*types.Var{v(byteSlice)}),
		m("Reset", nil, nil),
		m("Size", nil, []*types.Var{v(intT)}),
		m("BlockSize", nil, []*types.Var{v(intT)}),
	}, nil)
	it.Complete()
	return it
}()

func isBuiltin(info *types.Info, call *ast.CallExpr, name string) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

// safeWriterParams finds the interface-typed parameters of the package's
// functions that only ever hold writers that cannot fail: at every call
// site the argument is a *bytes.Buffer, a *strings.Builder or a quiet
// writer, or a parameter of the caller that is itself one (zerolog's CBOR
// decoder hands its *bytes.Buffer down array2Json, map2Json, ...). A
// function qualifies when all its callers are visible: it is unexported, or
// exported from an internal package whose importers never name it (their
// files are read for the name), it is never used as a value, and it is
// called at least once.
func safeWriterParams(pass *analysis.Pass, all map[*types.Func]*ast.FuncDecl) map[*types.Var]bool {
	decls := map[*types.Func]*ast.FuncDecl{}
	for fn, fd := range all {
		if fd.Recv == nil && fd.Body != nil {
			decls[fn] = fd
		}
	}
	type site struct {
		call   *ast.CallExpr
		caller *types.Func // nil outside a function declaration
	}
	sites := map[*types.Func][]site{}
	asValue := map[*types.Func]bool{}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			var caller *types.Func
			if fd, ok := d.(*ast.FuncDecl); ok {
				caller, _ = pass.TypesInfo.Defs[fd.Name].(*types.Func)
			}
			called := map[*ast.Ident]bool{}
			ast.Inspect(d, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if id := identOf(n.Fun); id != nil {
						if fn, ok := pass.TypesInfo.Uses[id].(*types.Func); ok && decls[fn] != nil {
							sites[fn] = append(sites[fn], site{n, caller})
							called[id] = true
						}
					}
				case *ast.Ident:
					if fn, ok := pass.TypesInfo.Uses[n].(*types.Func); ok && decls[fn] != nil && !called[n] {
						asValue[fn] = true
					}
				}
				return true
			})
		}
	}
	safe := map[*types.Var]bool{}
	for fn := range decls {
		if asValue[fn] || len(sites[fn]) == 0 || fn.Exported() && !closedInternal(pass, fn.Name()) {
			continue
		}
		params := fn.Type().(*types.Signature).Params()
		for i := 0; i < params.Len(); i++ {
			if types.IsInterface(params.At(i).Type()) {
				safe[params.At(i)] = true
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for fn, ss := range sites {
			sig := fn.Type().(*types.Signature)
			for i := 0; i < sig.Params().Len(); i++ {
				p := sig.Params().At(i)
				if !safe[p] {
					continue
				}
				for _, s := range ss {
					if i >= len(s.call.Args) || s.call.Ellipsis.IsValid() || sig.Variadic() && i == sig.Params().Len()-1 || !safeArg(pass.TypesInfo, s.call.Args[i], safe) {
						safe[p] = false
						changed = true
						break
					}
				}
			}
		}
	}
	for p, ok := range safe {
		if !ok {
			delete(safe, p)
		}
	}
	return safe
}

func safeArg(info *types.Info, e ast.Expr, safe map[*types.Var]bool) bool {
	if neverFailingWriter(info.TypeOf(e)) {
		return true
	}
	if id := identOf(e); id != nil {
		v, ok := info.Uses[id].(*types.Var)
		return ok && safe[v]
	}
	return false
}

// closedInternal reports whether the package is internal and no file of
// the packages allowed to import it (the tree above its internal folder)
// outside it names name as a selector (pkg.Name): then its callers are all
// in the package.
func closedInternal(pass *analysis.Pass, name string) bool {
	path := pass.Pkg.Path()
	if !strings.HasPrefix(path, "internal/") && !strings.Contains(path, "/internal/") && !strings.HasSuffix(path, "/internal") {
		return false
	}
	if len(pass.Files) == 0 {
		return false
	}
	dir := filepath.Dir(pass.Fset.File(pass.Files[0].Pos()).Name())
	// The folder above the last "internal" element of the package's folder.
	root := dir
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if filepath.Base(d) == "internal" {
			root = filepath.Dir(d)
			break
		}
	}
	if root == dir {
		return false
	}
	needle := []byte("." + name)
	found := false
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			found = true // unreadable: assume it names it
		}
		if found {
			return filepath.SkipDir
		}
		if de.IsDir() {
			if n := de.Name(); p != root && (n == "vendor" || n == "testdata" || strings.HasPrefix(n, ".") || p == dir) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			found = true // unreadable: assume it names it
			return nil
		}
		for i := bytes.Index(b, needle); i >= 0; {
			end := i + len(needle)
			if end >= len(b) || !isIdentByte(b[end]) {
				found = true
				return nil
			}
			j := bytes.Index(b[end:], needle)
			if j < 0 {
				break
			}
			i = end + j
		}
		return nil
	})
	return err == nil && !found
}

func isIdentByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80
}

// funcDecls maps the package's function and method objects to their
// declarations.
func funcDecls(pass *analysis.Pass) map[*types.Func]*ast.FuncDecl {
	out := map[*types.Func]*ast.FuncDecl{}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					out[fn] = fd
				}
			}
		}
	}
	return out
}
