package lint

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/unitchecker"
)

// The vet-tool engine runs the analyzers through the go command's vet
// protocol: `go vet -vettool=<gocap> -json ./...` runs gocap's own binary
// in a hidden mode (unitchecker) once per package, with the dependencies'
// types from their export data in the build cache and their facts from the
// .vetx files earlier vet runs left there, packages in parallel, and every
// result cached by the go command under the package's content, gocap's
// binary and the options (a -gocap.options flag). Compared with one
// go/packages load from source it saves type-checking every dependency and
// keeps nothing of them in memory.

// VetToolEnv, set in the environment of a gocap binary, makes it a vet tool
// (see VetToolMain). Run sets it for the go vet it starts.
const VetToolEnv = "GOCAP_VETTOOL"

// optionsFlag carries Options (JSON) to the vet tool; being a flag, it is
// part of the go command's cache key for every package.
const optionsFlag = "gocap.options"

// IsVetTool reports whether this process was started as gocap's vet tool.
func IsVetTool() bool { return os.Getenv(VetToolEnv) != "" }

// VetToolMain is the vet tool: it speaks the go vet protocol (-V=full,
// -flags, then one unit .cfg file per package) with every analyzer of
// RulesFor(options); a bad options flag is said on errOut. It never
// returns.
func VetToolMain(errOut io.Writer) {
	if len(os.Args) == 2 && os.Args[1] == "-V=full" && printToolID(os.Stdout) {
		os.Exit(0)
	}
	opts := DefaultOptions()
	for _, a := range os.Args[1:] {
		if v, ok := strings.CutPrefix(a, "-"+optionsFlag+"="); ok {
			if err := json.Unmarshal([]byte(v), &opts); err != nil {
				fmt.Fprintf(errOut, "gocap vet tool: bad -%s: %v\n", optionsFlag, err)
				os.Exit(2)
			}
		}
	}
	flag.String(optionsFlag, "", "gocap's analyzer options (JSON)")
	rules, err := RulesFor(opts)
	if err != nil {
		fmt.Fprintf(errOut, "gocap vet tool: %v\n", err)
		os.Exit(2)
	}
	as := make([]*analysis.Analyzer, len(rules))
	for i, r := range rules {
		as[i] = r.Analyzer
	}
	as = append(as, unitAnalyzer)
	if unit, ok := readUnit(os.Args[1:]); ok && unit.VetxOnly {
		// A dependency, analysed only for the facts its importers need:
		// run the fact producers alone. (unitchecker would run every
		// analyzer that requires one, diagnostics thrown away, which for
		// staticcheck means most SA checks over the standard library.)
		// Outside the standard library and the module itself, only the
		// producers that need no SSA form (see cheapFacts): building IR
		// for every third-party dependency is most of a cold run.
		third := !unit.Standard[unit.ImportPath] && unit.ModulePath != opts.Module
		as = factProducers(as, third)
	}
	unitchecker.Main(as...)
	os.Exit(0)
}

// vetToolReady is set by EnableVetTool: this binary's main (or TestMain)
// calls VetToolMain when IsVetTool, so no probe is needed.
var vetToolReady bool

// EnableVetTool says that this binary serves as the vet tool (its main
// calls VetToolMain when IsVetTool): Run then uses it without probing.
func EnableVetTool() { vetToolReady = true }

// vetToolWorks reports whether exe is a gocap binary that can serve as the
// vet tool (a test binary without the hook cannot).
func vetToolWorks(ctx context.Context, exe string) bool {
	cmd := exec.CommandContext(ctx, exe, "-V=full")
	cmd.Env = append(os.Environ(), VetToolEnv+"=1")
	out, err := cmd.Output()
	return err == nil && bytes.Contains(out, []byte(" version devel ")) && bytes.Contains(out, []byte("buildID="))
}

// Engines (Config.Engine).
const (
	EngineVetTool = "vettool"
	EngineLoad    = "load"
)

// useVetTool picks the engine: the vet tool when this binary is one (and
// neither engine nor GOCAP_LINT_ENGINE is "load"), else the in-process load.
func useVetTool(ctx context.Context, engine string) (string, bool) {
	if engine == "" {
		engine = os.Getenv("GOCAP_LINT_ENGINE")
	}
	if engine == EngineLoad {
		return "", false
	}
	exe, err := os.Executable()
	if err != nil {
		return "", false
	}
	return exe, vetToolReady || vetToolWorks(ctx, exe)
}

// runVetTool runs go vet with gocap as its vet tool and reads its JSON.
func runVetTool(ctx context.Context, cfg Config, rules []Rule, exe string) (*Result, error) {
	progress := func(string) {}
	if cfg.Progress != nil {
		progress = cfg.Progress
	}
	vopts := cfg.Options
	vopts.Module = modulePath(cfg.Dir)
	optJSON, err := json.Marshal(vopts)
	if err != nil {
		return nil, err
	}
	progress("go vet -vettool=gocap")
	args := []string{"vet", "-vettool=" + exe, "-json", "-" + optionsFlag + "=" + string(optJSON)}
	if nonce := os.Getenv("GOCAP_VETTOOL_NONCE"); nonce != "" {
		if nonce == "random" {
			nonce = strconv.FormatInt(time.Now().UnixNano(), 36)
		}
		// Benchmarks: a new nonce is a new cache key for every package
		// (dependencies included), i.e. the vet results are cold.
		args[len(args)-1] = "-" + optionsFlag + "=" + strings.TrimSuffix(string(optJSON), "}") + `,"nonce":` + strconv.Quote(nonce) + "}"
	}
	args = append(args, cfg.Patterns...)
	listed := make(chan []string, 1)
	switch {
	case cfg.Packages != nil:
		listed <- cfg.Packages
	case cfg.PackageList != nil:
		go func() { listed <- cfg.PackageList() }() // beside go vet, not before it
	default:
		go func() { listed <- listPackages(ctx, cfg) }()
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = cfg.Dir
	cmd.Env = append(os.Environ(), VetToolEnv+"=1")
	cmd.Env = append(cmd.Env, vetToolGC()...)
	if cfg.GoTmp != "" {
		cmd.Env = append(cmd.Env, "GOTMPDIR="+cfg.GoTmp)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res, err := parseVetOutput(out.Bytes(), cfg.Dir)
	if err != nil {
		return nil, err
	}
	if runErr != nil && len(res.Errors) == 0 {
		var ee *exec.ExitError
		if !errors.As(runErr, &ee) {
			return nil, fmt.Errorf("go vet: %w", runErr)
		}
		msg := strings.TrimSpace(res.stray)
		if isVersionMsg(msg) {
			return nil, &VersionError{Msg: versionAdvice(msg)}
		}
		return nil, fmt.Errorf("go vet -vettool: %s", firstLine(msg))
	}
	byName := map[string]bool{}
	for _, r := range rules {
		byName[r.Analyzer.Name] = true
	}
	// Positions outside the module, generated files, enclosing functions.
	var kept []Diagnostic
	files := map[string]*ast.File{}
	fset := token.NewFileSet()
	res.Skipped = map[string]int{}
	seen := map[string]bool{}
	for _, d := range res.Diagnostics {
		if d.File == "" || !inDir(cfg.Dir, d.File) || !byName[d.Analyzer] {
			continue
		}
		f, ok := files[d.File]
		if !ok && strings.HasSuffix(d.File, ".go") {
			f, _ = parser.ParseFile(fset, d.File, nil, parser.ParseComments|parser.SkipObjectResolution)
			if f != nil && fset.File(f.Pos()) == nil {
				f = nil // not even a package clause
			}
			files[d.File] = f
		}
		if f != nil && ast.IsGenerated(f) {
			res.Skipped[d.Analyzer]++
			continue
		}
		if f != nil {
			tf := fset.File(f.Pos())
			if d.Line >= 1 && d.Line <= tf.LineCount() {
				p := tf.LineStart(d.Line) + token.Pos(max(d.Col-1, 0))
				if int(p) <= tf.Base()+tf.Size() {
					d.Function = (&fileFuncs{pkg: d.pkg, file: f}).enclosing(p)
				}
			}
		}
		k := d.Analyzer + "\x00" + d.File + "\x00" + strconv.Itoa(d.Line) + "\x00" + strconv.Itoa(d.Col) + "\x00" + d.Message
		if seen[k] {
			continue
		}
		seen[k] = true
		kept = append(kept, d.Diagnostic)
	}
	res.Diagnostics = nil
	sortDiagnostics(kept)
	// Listed packages that neither were analysed nor failed themselves
	// were skipped by go vet: a package they import does not build.
	failed := map[string]bool{}
	for _, e := range res.Errors {
		failed[e.Package] = true
	}
	n := len(res.packages)
	pkgs := <-listed
	for _, p := range pkgs {
		if !res.packages[p] && !failed[p] {
			res.Errors = append(res.Errors, LoadError{Package: p, Kind: "dependency",
				Message: "not analysed: a package it imports (or its test imports) does not build; see that package's errors"})
		}
	}
	if len(pkgs) > 0 {
		n = len(pkgs)
	}
	out2 := &Result{Diagnostics: kept, Errors: res.Errors, Packages: n, Skipped: res.Skipped, Failed: res.Failed}
	if len(out2.Errors) > 0 {
		out2.VersionSkew = versionSkew(ctx, cfg.Dir)
	}
	return out2, nil
}

type vetDiag struct {
	Diagnostic
	pkg string
}

type vetOutput struct {
	Diagnostics []vetDiag
	Errors      []LoadError
	Skipped     map[string]int
	Failed      []string
	packages    map[string]bool
	stray       string
}

var (
	vetPkgHeader = regexp.MustCompile(`^# (\S+)(?: \[(\S+)\])?$`)
	vetPosLine   = regexp.MustCompile(`^(?:vet: )?((?:[A-Za-z]:)?[^:]+\.go):(\d+):(\d+): (.*)$`)
)

// parseVetOutput reads go vet -json's stream: a "# pkg" line starts each
// package's output, then either its JSON tree (analyzer → diagnostics, or
// {"error": …} when an analyzer failed) or its compile or type errors as
// file:line:col: message lines.
func parseVetOutput(b []byte, dir string) (*vetOutput, error) {
	out := &vetOutput{packages: map[string]bool{}}
	var pkg string
	var jsonBuf bytes.Buffer
	flush := func() error {
		if strings.TrimSpace(jsonBuf.String()) == "" {
			jsonBuf.Reset()
			return nil
		}
		dec := json.NewDecoder(&jsonBuf)
		for {
			var tree map[string]map[string]json.RawMessage
			if err := dec.Decode(&tree); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return fmt.Errorf("go vet -json output: %w", err)
			}
			for id, byAnalyzer := range tree {
				p, _, _ := strings.Cut(id, " ")
				out.packages[strings.TrimSuffix(p, "_test")] = true
				for a, raw := range byAnalyzer {
					if a == unitAnalyzer.Name {
						continue
					}
					var ds []struct {
						Posn, Message, Category string
						URL                     string `json:"url"`
						Related                 []struct{ Posn, Message string }
					}
					if err := json.Unmarshal(raw, &ds); err != nil {
						var e struct{ Error string }
						if json.Unmarshal(raw, &e) == nil && e.Error != "" {
							if !strings.Contains(e.Error, "analysis skipped due to errors") {
								out.Failed = append(out.Failed, fmt.Sprintf("%s@%s: %s", a, p, e.Error))
							}
							continue
						}
						return fmt.Errorf("go vet -json: %s: %s: %s", id, a, raw)
					}
					for _, d := range ds {
						file, line, col := splitPos(d.Posn)
						diag := Diagnostic{Analyzer: a, Category: d.Category, File: file, Line: line, Col: col, Message: d.Message, URL: d.URL}
						if diag.Category == a {
							diag.Category = ""
						}
						var rel []string
						for _, r := range d.Related {
							rf, rl, _ := splitPos(r.Posn)
							rel = append(rel, fmt.Sprintf("%s:%d: %s", filepath.Base(rf), rl, r.Message))
						}
						diag.Related = strings.Join(rel, "\n")
						out.Diagnostics = append(out.Diagnostics, vetDiag{Diagnostic: diag, pkg: p})
					}
				}
			}
		}
		jsonBuf.Reset()
		return nil
	}
	seenErr := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	inJSON := false
	for sc.Scan() {
		l := sc.Text()
		if m := vetPkgHeader.FindStringSubmatch(l); m != nil {
			if err := flush(); err != nil {
				return nil, err
			}
			pkg, inJSON = m[1], false
			continue
		}
		if strings.HasPrefix(l, "{") || inJSON {
			inJSON = !strings.HasPrefix(l, "}")
			jsonBuf.WriteString(l)
			jsonBuf.WriteByte('\n')
			continue
		}
		if m := vetPosLine.FindStringSubmatch(l); m != nil && pkg != "" {
			file := m[1]
			if !filepath.IsAbs(file) {
				file = filepath.Join(dir, file)
			}
			line, _ := strconv.Atoi(m[2])
			col, _ := strconv.Atoi(m[3])
			k := file + ":" + m[2] + ":" + m[3] + ":" + m[4]
			if !seenErr[k] {
				seenErr[k] = true
				out.Errors = append(out.Errors, LoadError{Package: pkg, File: file, Line: line, Col: col, Kind: "type", Message: m[4]})
			}
			continue
		}
		if strings.TrimSpace(l) != "" {
			out.stray += l + "\n"
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	sort.Strings(out.Failed)
	return out, nil
}

func sortDiagnostics(ds []Diagnostic) {
	sort.Slice(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
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
}

// unitConfig is the part of go vet's unit .cfg file the vet tool reads.
type unitConfig struct {
	ImportPath string
	ModulePath string
	Standard   map[string]bool
	VetxOnly   bool
}

// readUnit reads the unit .cfg file among args (a dependency of the
// packages go vet was asked about has VetxOnly set).
func readUnit(args []string) (unitConfig, bool) {
	var cfg unitConfig
	if len(args) == 0 || !strings.HasSuffix(args[len(args)-1], ".cfg") {
		return cfg, false
	}
	b, err := os.ReadFile(args[len(args)-1])
	if err != nil {
		return cfg, false // unitchecker reports it
	}
	return cfg, json.Unmarshal(b, &cfg) == nil
}

// needsIR reports whether a reaches staticcheck's SSA builder.
func needsIR(a *analysis.Analyzer, memo map[*analysis.Analyzer]bool) bool {
	if v, ok := memo[a]; ok {
		return v
	}
	memo[a] = false
	v := a.Name == "buildir"
	for _, r := range a.Requires {
		v = v || needsIR(r, memo)
	}
	memo[a] = v
	return v
}

// factProducers returns the analyzers reachable from as (through Requires)
// that declare fact types, in a stable order; with cheapOnly, only those
// that need no SSA form (printf wrappers, never-returning functions,
// deprecations, logger packages), not staticcheck's purity, nilness and
// typedness facts.
func factProducers(as []*analysis.Analyzer, cheapOnly bool) []*analysis.Analyzer {
	irMemo := map[*analysis.Analyzer]bool{}
	var out []*analysis.Analyzer
	seen := map[*analysis.Analyzer]bool{}
	var visit func(a *analysis.Analyzer)
	visit = func(a *analysis.Analyzer) {
		if seen[a] {
			return
		}
		seen[a] = true
		for _, r := range a.Requires {
			visit(r)
		}
		if len(a.FactTypes) > 0 && !(cheapOnly && needsIR(a, irMemo)) {
			out = append(out, a)
		}
	}
	for _, a := range as {
		visit(a)
	}
	return out
}

// unitAnalyzer marks each package the vet tool analysed, findings or not:
// one diagnostic at its first file, which runVetTool counts and drops. (go
// vet prints nothing for a clean package, nor for one it skipped because a
// dependency does not build.)
var unitAnalyzer = &analysis.Analyzer{
	Name: "gocapunit",
	Doc:  "marks a package as analysed (gocap internal)",
	Run: func(pass *analysis.Pass) (any, error) {
		if len(pass.Files) > 0 {
			pass.Report(analysis.Diagnostic{Pos: pass.Files[0].Package, Message: "analysed"})
		}
		return nil, nil
	},
}

// vetToolGC is the garbage collector's setting for go vet and the vet
// tool processes it starts, one per package: no collection below a soft
// limit of 1 GiB (GOGC=off, GOMEMLIMIT=1GiB). A vet tool process lives for
// one package, and most of the garbage it makes dies with it: with GOGC's
// default the collector ran through about a quarter of its CPU time
// (measured on net/http), and a cold run over chi's dependencies took 1.4×
// as long as with collection off, at a peak of 172 MB instead of 137 MB per
// process. The limit bounds a package that needs more; past it the
// collector works as usual. A GOGC or GOMEMLIMIT the user set is kept.
func vetToolGC() []string {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	return []string{"GOGC=off", "GOMEMLIMIT=1GiB"}
}

// listPackages lists the import paths of the packages with Go files that
// cfg.Patterns match (nil when go list fails: counts then come from the
// vet output alone).
func listPackages(ctx context.Context, cfg Config) []string {
	args := append([]string{"list", "-e", "-f", "{{if or .GoFiles .CgoFiles .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}"}, cfg.Patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = cfg.Dir
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}

// modulePath reads the module path of dir's go.mod ("" when unreadable).
func modulePath(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return ""
	}
	return modfile.ModulePath(b)
}
