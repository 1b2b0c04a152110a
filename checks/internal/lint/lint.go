// Package lint runs gocap's in-process analysis: one go/packages load of the
// module (tests included, like go vet) and one checker.Analyze call over the
// union of every analyzer in Rules. The vet, errors and logging checks share
// its Result.
package lint

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// Config says what to analyse.
type Config struct {
	// Dir is the module root (absolute).
	Dir string
	// Patterns are package patterns relative to Dir.
	Patterns []string
	// Progress, when set, receives short status lines.
	Progress func(msg string)
	// CacheDir, when set, stores results keyed by the module's content (see
	// Key); empty disables the cache.
	CacheDir string
	// Engine picks how the analyzers run: EngineVetTool (go vet
	// -vettool=<this binary>, when it can serve as one), EngineLoad (one
	// go/packages load in process, with the result cache), or "" for the
	// vet tool when available (GOCAP_LINT_ENGINE=load forces the load).
	Engine string
	// Packages, when set, are the import paths Patterns match (go list):
	// the vet-tool engine reports those it could not analyse.
	Packages []string
	// PackageList, when set and Packages is not, returns them; the
	// vet-tool engine calls it while go vet runs.
	PackageList func() []string
	// Options are the analyzer options the rules were built with (part of
	// the cache key, and passed on to the vet tool).
	Options Options
	// GoTmp, when set, is the GOTMPDIR of the go list the load runs (its
	// work folder stays behind when it is killed; the caller removes GoTmp).
	GoTmp string
}

// Diagnostic is one analyzer finding, positioned in the module.
type Diagnostic struct {
	Analyzer string `json:"analyzer"`
	Category string `json:"category,omitempty"`
	File     string `json:"file"` // absolute
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Message  string `json:"message"`
	URL      string `json:"url,omitempty"`
	Function string `json:"function,omitempty"`
	Related  string `json:"related,omitempty"`
}

// LoadError is a package that did not load or type-check cleanly.
type LoadError struct {
	Package string `json:"package"`
	File    string `json:"file,omitempty"` // absolute, when known
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Kind    string `json:"kind"` // list, parse, type
	Message string `json:"message"`
}

// Result is the outcome of one analysis run.
type Result struct {
	Diagnostics []Diagnostic `json:"diagnostics"`
	Errors      []LoadError  `json:"errors"`
	// Packages is the number of packages analysed (test variants count once).
	Packages int `json:"packages"`
	// Skipped counts, by analyzer, diagnostics dropped because they were in
	// generated files.
	Skipped map[string]int `json:"skipped,omitempty"`
	// Failed lists analyzer failures on a package ("printf@pkg: reason").
	Failed []string `json:"failed,omitempty"`
	// VersionSkew, when set, says the go command is newer than the Go that
	// built gocap, which explains type errors in the standard library.
	VersionSkew string `json:"version_skew,omitempty"`
	// Reloaded is true when dependencies had to be loaded again whole
	// (a dependency with errors of its own; see fixTrimErrors).
	Reloaded bool `json:"reloaded,omitempty"`
	// Cached is true when the result came from the cache.
	Cached bool `json:"-"`
}

// VersionError reports that the module (or a dependency) needs a newer Go
// than the one gocap was built with, so gocap cannot type-check it.
type VersionError struct{ Msg string }

func (e *VersionError) Error() string { return e.Msg }

// LoadMode is what the analyzers need: syntax and types for every package,
// dependencies included (fact-producing analyzers such as printf and ctrlflow
// run on them, like go vet does through its vetx files), and the module for
// per-file Go versions.
const LoadMode = packages.LoadAllSyntax | packages.NeedModule | packages.NeedForTest

// Run loads cfg.Patterns once and runs every analyzer of rules over them in
// one checker.Analyze call. A cancelled ctx stops loading and skips the
// analyzers that have not started.
func Run(ctx context.Context, cfg Config, rules []Rule) (*Result, error) {
	if exe, ok := useVetTool(ctx, cfg.Engine); ok {
		// The go command caches every package's result itself.
		return runVetTool(ctx, cfg, rules, exe)
	}
	var key string
	if cfg.CacheDir != "" {
		if k, err := Key(cfg, rules); err == nil {
			key = k
			if r := cacheGet(cfg.CacheDir, key); r != nil {
				r.Cached = true
				return r, nil
			}
		}
	}
	defer tuneGC()()
	res, err := run(ctx, cfg, rules)
	if err != nil {
		return nil, err
	}
	if key != "" && ctx.Err() == nil {
		cachePut(cfg.CacheDir, key, res) // best effort: a cache that cannot be written only costs time
	}
	return res, nil
}

func run(ctx context.Context, cfg Config, rules []Rule) (*Result, error) {
	progress := func(string) {}
	if cfg.Progress != nil {
		progress = cfg.Progress
	}
	progress("loading packages")
	pcfg := &packages.Config{Context: ctx, Dir: cfg.Dir, Mode: LoadMode, Tests: true, Fset: token.NewFileSet()}
	if cfg.GoTmp != "" {
		pcfg.Env = append(os.Environ(), "GOTMPDIR="+cfg.GoTmp)
	}
	if trimDeps {
		dirs := depDirs(ctx, cfg.Dir)
		pre := &prefetcher{fset: pcfg.Fset, parse: parseFileFor(dirs), files: map[string]*parsed{}}
		pctx, stop := context.WithCancel(ctx)
		defer stop()
		if prefetch {
			go pre.start(pctx, cfg.Dir, cfg.Patterns, dirs)
		}
		pcfg.ParseFile = pre.ParseFile
	}
	initial, err := packages.Load(pcfg, cfg.Patterns...)
	reloaded := false
	if err == nil && trimDeps && !fixTrimErrors(initial, cfg.Dir) {
		reloaded = true
		// A dependency has errors of its own (or trimming broke it): load
		// it whole so the errors and facts are exactly go vet's.
		progress("reloading dependencies without trimming")
		pcfg.ParseFile, pcfg.Fset = nil, nil
		initial, err = packages.Load(pcfg, cfg.Patterns...)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if isVersionMsg(err.Error()) {
			return nil, &VersionError{Msg: versionAdvice(err.Error())}
		}
		return nil, fmt.Errorf("loading packages: %w", err)
	}
	roots := selectRoots(initial, cfg.Dir)
	res := &Result{Packages: len(roots), Skipped: map[string]int{}, Reloaded: reloaded}
	res.Errors = loadErrors(roots)
	if len(res.Errors) > 0 {
		res.VersionSkew = versionSkew(ctx, cfg.Dir)
		for i, e := range res.Errors {
			if !isVersionMsg(e.Message) {
				continue
			}
			if allIllTyped(roots) {
				return nil, &VersionError{Msg: versionAdvice(e.Message)}
			}
			res.Errors[i].Message = versionAdvice(e.Message)
		}
	}

	analyzers := make([]*analysis.Analyzer, len(rules))
	byAnalyzer := map[*analysis.Analyzer]string{}
	for i, r := range rules {
		analyzers[i] = withContext(ctx, r.Analyzer)
		byAnalyzer[analyzers[i]] = r.Analyzer.Name
	}
	progress(fmt.Sprintf("analysing %d packages with %d analyzers", len(roots), len(analyzers)))
	graph, err := checker.Analyze(analyzers, roots, nil)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	generated := map[string]bool{}
	funcs := map[string]*fileFuncs{}
	for _, p := range roots {
		for _, f := range p.Syntax {
			name := p.Fset.File(f.Pos()).Name()
			// cgo output (in the build cache) is generated too, but its
			// //line directives put its diagnostics in the module's own
			// files: only the module's files count as generated.
			if inDir(cfg.Dir, name) && ast.IsGenerated(f) {
				generated[name] = true
			}
			funcs[name] = &fileFuncs{pkg: p.PkgPath, file: f}
		}
	}
	seen := map[string]bool{}
	for _, act := range graph.Roots {
		if act.Err != nil && !strings.Contains(act.Err.Error(), "analysis skipped due to errors") {
			res.Failed = append(res.Failed, fmt.Sprintf("%s@%s: %v", act.Analyzer.Name, act.Package.PkgPath, act.Err))
		}
	}
	for _, act := range graph.Roots {
		fset := act.Package.Fset
		for _, d := range act.Diagnostics {
			pos := fset.Position(d.Pos)
			if pos.Filename == "" || !inDir(cfg.Dir, pos.Filename) {
				continue
			}
			if generated[pos.Filename] {
				res.Skipped[byAnalyzer[act.Analyzer]]++
				continue
			}
			diag := Diagnostic{Analyzer: byAnalyzer[act.Analyzer], Category: d.Category, File: pos.Filename,
				Line: pos.Line, Col: pos.Column, Message: d.Message, URL: d.URL}
			if diag.Category == diag.Analyzer {
				diag.Category = ""
			}
			if ff := funcs[fset.File(d.Pos).Name()]; ff != nil {
				diag.Function = ff.enclosing(d.Pos)
			}
			var rel []string
			for _, ri := range d.Related {
				rp := fset.Position(ri.Pos)
				rel = append(rel, fmt.Sprintf("%s:%d: %s", filepath.Base(rp.Filename), rp.Line, ri.Message))
			}
			diag.Related = strings.Join(rel, "\n")
			k := diag.Analyzer + "\x00" + diag.File + "\x00" + strconv.Itoa(diag.Line) + "\x00" + strconv.Itoa(diag.Col) + "\x00" + diag.Message
			if seen[k] {
				continue
			}
			seen[k] = true
			res.Diagnostics = append(res.Diagnostics, diag)
		}
	}
	sort.Slice(res.Diagnostics, func(i, j int) bool {
		a, b := res.Diagnostics[i], res.Diagnostics[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Analyzer < b.Analyzer
	})
	sort.Strings(res.Failed)
	return res, nil
}

// selectRoots picks the packages go vet would vet: a package's test variant
// ("p [p.test]") in place of the package when it has tests, external test
// packages, and no generated test mains.
func selectRoots(initial []*packages.Package, dir string) []*packages.Package {
	hasVariant := map[string]bool{}
	for _, p := range initial {
		if p.ForTest != "" && p.PkgPath == p.ForTest {
			hasVariant[p.PkgPath] = true
		}
	}
	var out []*packages.Package
	for _, p := range initial {
		switch {
		case p.ForTest == "" && hasVariant[p.PkgPath]:
			continue // analysed through its test variant
		case p.Name == "main" && strings.HasSuffix(p.PkgPath, ".test") && p.ForTest == "" && isTestMain(p, dir):
			continue // generated test main
		}
		out = append(out, p)
	}
	return out
}

func isTestMain(p *packages.Package, dir string) bool {
	for _, f := range p.GoFiles {
		if inDir(dir, f) {
			return false
		}
	}
	return true
}

func inDir(dir, file string) bool {
	r, err := filepath.Rel(dir, file)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

func loadErrors(roots []*packages.Package) []LoadError {
	var out []LoadError
	seen := map[string]bool{}
	for _, p := range roots {
		for _, e := range p.Errors {
			le := LoadError{Package: p.PkgPath, Message: e.Msg, Kind: map[packages.ErrorKind]string{
				packages.ListError: "list", packages.ParseError: "parse", packages.TypeError: "type"}[e.Kind]}
			if le.Kind == "" {
				le.Kind = "unknown"
			}
			le.File, le.Line, le.Col = splitPos(e.Pos)
			k := e.Pos + "\x00" + e.Msg
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, le)
		}
		if len(p.Errors) == 0 && p.IllTyped {
			// Clean itself, but a dependency has errors: the analyzers skip
			// it, so say which dependency and why.
			if dep, e := firstBroken(p, map[*packages.Package]bool{}); dep != nil && !seen[p.PkgPath+"\x00"+dep.PkgPath] {
				seen[p.PkgPath+"\x00"+dep.PkgPath] = true
				out = append(out, LoadError{Package: p.PkgPath, Kind: "dependency",
					Message: fmt.Sprintf("not analysed: dependency %s has errors: %s", dep.PkgPath, e.Error())})
			}
		}
	}
	return out
}

// firstBroken returns the first package below p (depth first) that has
// errors of its own, and its first error.
func firstBroken(p *packages.Package, seen map[*packages.Package]bool) (*packages.Package, packages.Error) {
	paths := make([]string, 0, len(p.Imports))
	for path := range p.Imports {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		imp := p.Imports[path]
		if seen[imp] || !imp.IllTyped {
			continue
		}
		seen[imp] = true
		if len(imp.Errors) > 0 {
			return imp, imp.Errors[0]
		}
		if d, e := firstBroken(imp, seen); d != nil {
			return d, e
		}
	}
	return nil, packages.Error{}
}

var posRe = regexp.MustCompile(`^(.*?):(\d+)(?::(\d+))?$`)

func splitPos(pos string) (file string, line, col int) {
	if pos == "" || pos == "-" {
		return "", 0, 0
	}
	m := posRe.FindStringSubmatch(pos)
	if m == nil {
		return pos, 0, 0
	}
	line, _ = strconv.Atoi(m[2])
	col, _ = strconv.Atoi(m[3])
	return m[1], line, col
}

func allIllTyped(roots []*packages.Package) bool {
	for _, p := range roots {
		if !p.IllTyped {
			return false
		}
	}
	return len(roots) > 0
}

var versionRe = regexp.MustCompile(`(?i)(requires go\s*(>=\s*)?1\.\d+|requires newer go|newer go version|go\.mod requires go|go language version .* (is )?too (new|high)|unsupported version)`)

func isVersionMsg(s string) bool { return versionRe.MatchString(s) }

var needRe = regexp.MustCompile(`(?:>=\s*|requires go\s*|version go)(1\.\d+(?:\.\d+)?)`)

// versionAdvice turns a go command or type checker complaint about a too new
// Go into one line saying what is needed.
func versionAdvice(msg string) string {
	msg = firstLine(msg)
	if i := strings.LastIndex(msg, "stderr: "); i >= 0 {
		msg = msg[i+len("stderr: "):]
	}
	need := "a newer Go"
	if m := needRe.FindStringSubmatch(msg); m != nil {
		need = "Go " + m[1] + " or newer"
	}
	return fmt.Sprintf("the module needs %s (%s), but gocap was built with %s and links that Go's type checker: install the newer Go and rebuild gocap with it (go install github.com/gocap/gocap/cmd/gocap@latest)",
		need, strings.TrimPrefix(msg, "go: "), runtime.Version())
}

// versionSkew explains type errors caused by a go command newer than the
// Go that built gocap: go/types of the older Go then meets newer syntax or
// standard-library code.
func versionSkew(ctx context.Context, dir string) string {
	cmd := exec.CommandContext(ctx, "go", "env", "GOVERSION")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	goCmd := strings.TrimSpace(string(out))
	self := runtime.Version()
	if !version.IsValid(goCmd) || !version.IsValid(self) || version.Compare(version.Lang(goCmd), version.Lang(self)) <= 0 {
		return ""
	}
	return fmt.Sprintf("the go command is %s but gocap was built with %s, whose type checker may not understand newer code: rebuild gocap with %s", goCmd, self, goCmd)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// gcPercent and gcSoftLimit tune the collector while a run loads and
// analyses: the heap is then mostly live syntax and types, so collecting 4x
// less often saves about a third of the CPU time for about a third more
// memory; the soft limit keeps big modules from growing the heap 5x.
const (
	gcPercent   = 400
	gcSoftLimit = 4 << 30
)

// tuneGC applies gcPercent and gcSoftLimit unless the user set GOGC or
// GOMEMLIMIT, and returns the function that restores the previous values.
func tuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	oldPercent := debug.SetGCPercent(gcPercent)
	oldLimit := debug.SetMemoryLimit(gcSoftLimit)
	return func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}
}

// withContext returns a copy of a whose Run first checks ctx, so that a
// cancelled run skips the remaining (analyzer, package) actions.
func withContext(ctx context.Context, a *analysis.Analyzer) *analysis.Analyzer {
	c := *a
	run := a.Run
	c.Run = func(p *analysis.Pass) (any, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return run(p)
	}
	return &c
}

type fileFuncs struct {
	pkg  string
	file *ast.File
}

// enclosing names the function declaration around pos the way the runtime
// and the compiler do: pkg.F, pkg.T.M or pkg.(*T).M.
func (f *fileFuncs) enclosing(pos token.Pos) string {
	for _, d := range f.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || pos < fd.Pos() || pos > fd.End() {
			continue
		}
		name := fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			t := fd.Recv.List[0].Type
			star := false
			if s, ok := t.(*ast.StarExpr); ok {
				t, star = s.X, true
			}
			switch x := t.(type) {
			case *ast.IndexExpr:
				t = x.X
			case *ast.IndexListExpr:
				t = x.X
			}
			if id, ok := t.(*ast.Ident); ok {
				if star {
					name = "(*" + id.Name + ")." + name
				} else {
					name = id.Name + "." + name
				}
			}
		}
		return f.pkg + "." + name
	}
	return ""
}
