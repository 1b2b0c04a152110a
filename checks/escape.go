package checks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gocap/gocap/checks/internal/compilerjson"
	"github.com/gocap/gocap/checks/internal/funcname"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/reports"
)

// Escape reports the compiler's escape-analysis decisions.
var Escape = &Check{
	ID:   "escape",
	Name: "escape analysis",
	Doc: `heap escapes, variables moved to the heap and leaking parameters

Builds the selected packages with -gcflags=<pkg>=-json=0,file://<tmp> for
each of the module's packages, so the compiler writes its optimisation
diagnostics as LSP JSON (no regexes over -m text), and keeps the escape
analysis ones: heap escapes (rule "heap-escape"), variables moved to the heap
("moved-to-heap") and parameters leaking to the heap or a result
("leak-param"), each with the compiler's flow explanation and the enclosing
function named as pprof names it. Zero-size values (ctxKey{}, new(struct{}),
[]byte{}) are left out: they never allocate. They are info findings; an
escape on a line that allocates on every op of a benchmark becomes a "hot-"
warning (see JoinHotEscapes), unless the compiler's flow shows the
value escapes only because the function returns it (the explanation ends at
a result, reached by a return statement or a named result): keeping that
value on the stack needs an API change (the caller passes the destination,
or the function returns by value), so in a hot path it stays info with rule
"returned-escape" and is left out of the memory headline. Test files are not compiled, so their
escapes are not reported. Packages that do not compile are skipped (the race
leg reports the build errors). Diagnostics are cached per package (keyed by
the export data go list -export reports, see EscapeCacheDir), so a warm run
recompiles only what changed.`,
	URL:      "https://go.dev/doc/gc-guide#Escape_analysis",
	Measures: []string{reports.DimMemory},
	Run:      runEscape,
}

var escapeHints = map[compilerjson.Kind]string{
	compilerjson.HeapEscape:  "a heap allocation costs an allocator call and GC work; keep the value local, pass it by value, or preallocate and reuse it (sync.Pool, a buffer owned by the caller)",
	compilerjson.MovedToHeap: "taking the address of a variable that outlives the call moves it to the heap; return it by value or let the caller provide the storage",
	compilerjson.LeakParam:   "a parameter that leaks forces every caller's argument onto the heap; avoid storing it in globals, interfaces or closures that outlive the call",
}

// escapeFiles builds the given packages with compiler JSON diagnostics into
// a fresh temp folder (a reused path would hit the build cache and write
// nothing) and returns the decoded files. The folder is removed. buildErr is
// the first line of go build's errors when some package did not compile.
func escapeFiles(ctx context.Context, env *Env, pkgs []*Package) (files []*compilerjson.File, buildErr string, err error) {
	dir, err := os.MkdirTemp("", "gocap-escape-")
	if err != nil {
		return nil, "", err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	args := []string{"build", "-o", os.DevNull}
	for _, p := range pkgs {
		args = append(args, "-gcflags="+p.ImportPath+"=-json=0,file://"+dir)
	}
	for _, p := range pkgs {
		args = append(args, p.ImportPath)
	}
	cmd := env.goCommand(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	files, err = compilerjson.ReadDir(dir)
	if err != nil {
		return nil, "", fmt.Errorf("%w: reading compiler diagnostics: %w", cmdutil.ErrTool, err)
	}
	var ee *exec.ExitError
	if runErr != nil {
		if !errors.As(runErr, &ee) {
			return nil, "", fmt.Errorf("%w: go build: %w", cmdutil.ErrTool, runErr)
		}
		buildErr = modinfo.FirstLine(stderr.String())
		if len(files) == 0 && !strings.Contains(stderr.String(), ".go:") {
			return nil, "", fmt.Errorf("%w: go build: %s", cmdutil.ErrTool, buildErr)
		}
	}
	return files, buildErr, nil
}

func runEscape(ctx context.Context, env *Env) (*Result, error) {
	all, err := env.Packages(ctx)
	if err != nil {
		return nil, err
	}
	var pkgs []*Package // test-only folders have nothing to build
	for _, p := range all {
		if len(p.GoFiles)+len(p.CgoFiles) > 0 {
			pkgs = append(pkgs, p)
		}
	}
	cache := EscapeCacheDir()
	var keys map[string]string
	if cache != "" {
		env.progress("escape", "go list -export")
		keys = escapeKeys(ctx, env, pkgs)
	}
	var files []*compilerjson.File
	var misses []*Package
	for _, p := range pkgs {
		if fs, ok := escapeCacheGet(cache, keys[p.ImportPath]); ok {
			files = append(files, fs...)
		} else {
			misses = append(misses, p)
		}
	}
	buildErr := ""
	if len(misses) > 0 {
		env.progress("escape", fmt.Sprintf("go build -gcflags=-json (%d packages)", len(misses)))
		built, be, err := escapeFiles(ctx, env, misses)
		if err != nil {
			return nil, err
		}
		buildErr = be
		files = append(files, built...)
		if be == "" {
			// By folder: the compiler's header names a main package "main",
			// not by its import path (caching by header left every main
			// package's escapes out of warm runs).
			dirPkg := map[string]string{}
			for _, p := range misses {
				dirPkg[p.Dir] = p.ImportPath
			}
			byPkg := map[string][]*compilerjson.File{}
			for _, f := range built {
				ip, ok := dirPkg[filepath.Dir(f.Header.File)]
				if !ok {
					ip = f.Header.Package
				}
				byPkg[ip] = append(byPkg[ip], f)
			}
			for _, p := range misses {
				escapeCachePut(cache, keys[p.ImportPath], byPkg[p.ImportPath])
			}
		}
	}
	escapeCacheTrim(cache)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Header.File < files[j].Header.File })
	res := escapeResult(env, files, newZeroSizer(all))
	switch hits := len(pkgs) - len(misses); {
	case hits == 0:
		res.Summary += fmt.Sprintf(" (%d packages compiled)", len(misses))
	case len(misses) == 0:
		res.Summary += fmt.Sprintf(" (all %d packages from gocap's cache)", hits)
	default:
		res.Summary += fmt.Sprintf(" (%d packages compiled, %d from gocap's cache)", len(misses), hits)
	}
	if buildErr != "" {
		res.Summary += "; some packages did not build: " + buildErr
	}
	return res, nil
}

// escapeResult turns compiler diagnostics into escapes and info findings.
// Zero-size values (see zerosize.go) are dropped: they never allocate.
func escapeResult(env *Env, files []*compilerjson.File, zs *zeroSizer) *Result {
	res := &Result{}
	names := funcname.New()
	counts := map[compilerjson.Kind]int{}
	boxes := newBoxTyper()
	for _, f := range files {
		if !env.ownFile(f.Header.File) || strings.HasSuffix(f.Header.File, "_test.go") {
			continue
		}
		rel := env.Rel(f.Header.File)
		for _, e := range compilerjson.Escapes(f) {
			if e.Kind != compilerjson.LeakParam && zs != nil && zs.zeroSizeEscape(e.Message, e.File, e.Inlined) {
				continue
			}
			fn, start := names.Enclosing(f.Header.Package, e.File, e.Line, e.Col)
			returned := e.Returned(names.Results(e.File, e.Line, e.Col))
			inl := ""
			if len(e.Inlined) > 0 {
				inl = env.shortPath(e.Inlined[len(e.Inlined)-1])
			}
			res.Escapes = append(res.Escapes, reports.Escape{File: rel, Line: e.Line, Col: e.Col, Code: e.Code,
				Message: e.Message, Function: fn, FuncLine: start, Flow: e.Flow, Returned: returned, Inlined: inl})
			if inl == "" {
				res.Escapes[len(res.Escapes)-1].Allocator = boxes.allocator(e.Message, e.File, e.Line, e.Col)
			}
			counts[e.Kind]++
			msg := e.Message
			if fn != "" {
				msg += " in " + shortFunc(fn)
			}
			if len(e.Inlined) > 0 {
				msg += " (inlined from " + env.shortPath(e.Inlined[len(e.Inlined)-1]) + ")"
			}
			res.Findings = append(res.Findings, reports.Finding{Rule: string(e.Kind), Dimension: reports.DimMemory, Severity: reports.SevInfo,
				File: rel, Line: e.Line, Col: e.Col, Message: msg, Hint: escapeHints[e.Kind], Function: fn, Detail: strings.Join(e.Flow, "\n")})
		}
	}
	sort.SliceStable(res.Escapes, func(i, j int) bool {
		a, b := res.Escapes[i], res.Escapes[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	res.Summary = fmt.Sprintf("%s, %d moved to heap, %s in %s", count(counts[compilerjson.HeapEscape], "heap escape", "heap escapes"),
		counts[compilerjson.MovedToHeap], count(counts[compilerjson.LeakParam], "leaking param", "leaking params"), count(len(files), "file", "files"))
	return res
}

// shortPath shows a file:line of the module relative to its root and any
// other (the standard library, a dependency) as its last folder and file.
func (e *Env) shortPath(p string) string {
	file, line, _ := strings.Cut(p, ":")
	if e.ownFile(file) {
		file = e.Rel(file)
	} else if d := filepath.Base(filepath.Dir(file)); d != "." && d != "/" {
		file = d + "/" + filepath.Base(file)
	}
	if line != "" {
		return file + ":" + line
	}
	return file
}
