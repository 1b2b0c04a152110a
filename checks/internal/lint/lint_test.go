package lint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/gocap/gocap/checks/internal/testmod"
)

// TestVetSuiteMatchesGo: VetSuite is exactly the analyzer list of the
// installed toolchain's cmd/vet (src/cmd/vet/main.go), so a Go upgrade that
// adds an analyzer fails here instead of silently breaking go vet parity.
func TestVetSuiteMatchesGo(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "src", "cmd", "vet", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	body := string(src)
	i := strings.Index(body, "var suite = []*analysis.Analyzer{")
	if i < 0 {
		t.Fatal("cmd/vet/main.go has no suite variable")
	}
	body = body[i : strings.Index(body[i:], "\n}")+i]
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^\s*(\w+)\.Analyzer,`).FindAllStringSubmatch(body, -1) {
		want = append(want, m[1])
	}
	// The package names in cmd/vet are the x/tools pass directories.
	var got []string
	for _, a := range VetSuite {
		got = append(got, passDir(a))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("VetSuite = %v\ncmd/vet  = %v", got, want)
	}
	// Every analyzer has a rule; vet rules are exactly the suite.
	rules := Rules()
	vet := map[string]bool{}
	for _, r := range rules {
		if r.Hint == "" || r.Dimension == "" || r.Severity == "" || r.Check == "" {
			t.Errorf("rule %s is incomplete: %+v", r.Analyzer.Name, r)
		}
		if r.Vet {
			vet[r.Analyzer.Name] = true
		}
	}
	for _, a := range VetSuite {
		if !vet[a.Name] {
			t.Errorf("vet analyzer %s has no vet rule", a.Name)
		}
	}
	if len(vet) != len(VetSuite) {
		t.Errorf("%d vet rules for %d suite analyzers", len(vet), len(VetSuite))
	}
}

// passDir maps an analyzer to its x/tools package directory via its URL or name.
func passDir(a interface{ String() string }) string {
	switch n := a.String(); n {
	case "copylocks":
		return "copylock"
	case "composites":
		return "composite"
	default:
		return n
	}
}

// TestTypeErrorStillAnalysesOthers: a package that does not type-check is a
// LoadError; the other packages are still analysed.
func TestTypeErrorStillAnalysesOthers(t *testing.T) {
	dir := testmod.Write(t, map[string]string{
		"go.mod":       "module example.com/m\n\ngo 1.26\n",
		"bad/bad.go":   "package bad\n\nfunc F() int { return \"x\" }\n",
		"good/good.go": "package good\n\nimport \"fmt\"\n\nfunc G(s string) string { return fmt.Sprintf(\"%d\", s) }\n",
	})
	res, err := Run(context.Background(), Config{Dir: dir, Patterns: []string{"./..."}}, Rules())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Kind != "type" || res.Errors[0].Line != 3 ||
		!strings.HasSuffix(res.Errors[0].File, "bad/bad.go") || res.Errors[0].Package != "example.com/m/bad" {
		t.Fatalf("errors = %+v, want one type error at bad/bad.go:3", res.Errors)
	}
	found := false
	for _, d := range res.Diagnostics {
		if d.Analyzer == "printf" && strings.HasSuffix(d.File, "good/good.go") && d.Line == 5 && d.Function == "example.com/m/good.G" {
			found = true
		}
	}
	if !found {
		t.Fatalf("printf finding in good/good.go missing: %+v", res.Diagnostics)
	}
}

// TestNewerGoIsAVersionError: a module whose go line is newer than this Go
// is reported as a VersionError saying what to do, not as a crash or a
// pile of type errors.
func TestNewerGoIsAVersionError(t *testing.T) {
	t.Setenv("GOTOOLCHAIN", "local")
	dir := testmod.Write(t, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.99\n",
		"m.go":   "package m\n",
	})
	_, err := Run(context.Background(), Config{Dir: dir, Patterns: []string{"./..."}}, Rules())
	var ve *VersionError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a VersionError", err)
	}
	t.Log(ve.Msg)
	if !strings.Contains(ve.Msg, "needs Go 1.99 or newer") || !strings.Contains(ve.Msg, "rebuild gocap") || !strings.Contains(ve.Msg, "1.99") {
		t.Fatalf("message does not say what to do: %s", ve.Msg)
	}
}

// TestCache: a second run with the same content is served from the cache
// with the same diagnostics; an edit to a source file misses it.
func TestCache(t *testing.T) {
	dir := testmod.Write(t, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.26\n",
		"m.go":   "package m\n\nimport \"fmt\"\n\nfunc G(s string) string { return fmt.Sprintf(\"%d\", s) }\n",
	})
	cfg := Config{Dir: dir, Patterns: []string{"./..."}, CacheDir: t.TempDir(), Engine: EngineLoad}
	first, err := Run(context.Background(), cfg, Rules())
	if err != nil {
		t.Fatal(err)
	}
	if first.Cached || len(first.Diagnostics) != 2 { // printf and staticcheck's SA5009
		t.Fatalf("first run: cached=%v diagnostics=%+v", first.Cached, first.Diagnostics)
	}
	second, err := Run(context.Background(), cfg, Rules())
	if err != nil {
		t.Fatal(err)
	}
	if !second.Cached || !reflect.DeepEqual(second.Diagnostics, first.Diagnostics) {
		t.Fatalf("second run: cached=%v diagnostics=%+v", second.Cached, second.Diagnostics)
	}
	if err := os.WriteFile(filepath.Join(dir, "m.go"), []byte("package m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	third, err := Run(context.Background(), cfg, Rules())
	if err != nil {
		t.Fatal(err)
	}
	if third.Cached || len(third.Diagnostics) != 0 {
		t.Fatalf("after an edit: cached=%v diagnostics=%+v", third.Cached, third.Diagnostics)
	}
}

// TestCancelled: a cancelled context stops the run with its error.
func TestCancelled(t *testing.T) {
	dir := testmod.Write(t, map[string]string{"go.mod": "module example.com/m\n\ngo 1.26\n", "m.go": "package m\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, Config{Dir: dir, Patterns: []string{"./..."}}, Rules())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestTrimmingKeepsResults: dropping dependency bodies and literals changes
// no diagnostic on the testdata modules and on gocap itself (whose third-party
// dependencies exercise the trimming too) and needs no reload.
func TestTrimmingKeepsResults(t *testing.T) {
	for _, mod := range []string{"../../testdata/defects", "../../testdata/clean", "../../.."} {
		dir, err := filepath.Abs(mod)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Dir: dir, Patterns: []string{"./..."}, Engine: EngineLoad}
		rules := vetRules()
		trimmed, err := Run(context.Background(), cfg, rules)
		if err != nil {
			t.Fatal(err)
		}
		if trimmed.Reloaded || len(trimmed.Errors) > 0 {
			t.Fatalf("%s: reloaded=%v errors=%v: trimming broke a dependency", mod, trimmed.Reloaded, trimmed.Errors)
		}
		trimDeps = false
		whole, err := Run(context.Background(), cfg, rules)
		trimDeps = true
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(trimmed.Diagnostics, whole.Diagnostics) {
			t.Errorf("%s: trimmed run differs:\n%+v\nwhole:\n%+v", mod, trimmed.Diagnostics, whole.Diagnostics)
		}
		if mod == "../../testdata/defects" && len(whole.Diagnostics) < 40 {
			t.Errorf("only %d diagnostics on the defects module", len(whole.Diagnostics))
		}
	}
}

// TestBrokenDependencyIsReported: a package that is fine itself but imports
// a broken one is not analysed, and the result says so.
func TestBrokenDependencyIsReported(t *testing.T) {
	dir := testmod.Write(t, map[string]string{
		"go.mod":     "module example.com/m\n\ngo 1.26\n",
		"bad/bad.go": "package bad\n\nfunc F() int { return \"x\" }\n",
		"use/use.go": "package use\n\nimport \"example.com/m/bad\"\n\nfunc G() int { return bad.F() }\n",
	})
	for engine, want := range map[string]string{EngineLoad: "dependency example.com/m/bad has errors", EngineVetTool: "a package it imports"} {
		res, err := Run(context.Background(), Config{Dir: dir, Patterns: []string{"./..."}, Engine: engine}, Rules())
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range res.Errors {
			kinds = append(kinds, e.Package+":"+e.Kind)
			if e.Kind == "dependency" && (e.Package != "example.com/m/use" || !strings.Contains(e.Message, want)) {
				t.Errorf("%s: dependency error = %+v", engine, e)
			}
		}
		if !reflect.DeepEqual(kinds, []string{"example.com/m/bad:type", "example.com/m/use:dependency"}) {
			t.Fatalf("%s: errors = %v", engine, kinds)
		}
		if res.Packages != 2 {
			t.Errorf("%s: %d packages, want 2", engine, res.Packages)
		}
	}
}

// TestCgoPackage: a cgo package is analysed from the cgo-processed files
// (in the build cache) and reported at its own file:line, as go vet does.
func TestCgoPackage(t *testing.T) {
	if out, err := exec.Command("go", "env", "CGO_ENABLED").Output(); err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Fatalf("cgo is not enabled here (go env CGO_ENABLED = %q, %v): install gcc", out, err)
	}
	dir := testmod.Write(t, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.26\n",
		"c/c.go": "package c\n\n// int two(void) { return 2; }\nimport \"C\"\n\nimport \"fmt\"\n\n// Two formats C's two.\nfunc Two() string {\n\treturn fmt.Sprintf(\"%s\", int(C.two()))\n}\n",
	})
	res, err := Run(context.Background(), Config{Dir: dir, Patterns: []string{"./..."}}, Rules())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res.Diagnostics {
		if d.Analyzer == "SA5009" {
			continue // staticcheck's twin of printf
		}
		got = append(got, fmt.Sprintf("%s:%d %s", filepath.Base(d.File), d.Line, d.Analyzer))
	}
	if len(res.Errors) > 0 || !reflect.DeepEqual(got, []string{"c.go:10 printf"}) {
		t.Fatalf("diagnostics = %v, errors = %v; want the printf finding at c.go:10", got, res.Errors)
	}
}

// vetRules are the rules of the vet, errors and logging checks: the load
// engine's trimming is about their facts (staticcheck over a big module's
// whole dependency graph from source would take minutes).
func vetRules() []Rule {
	var out []Rule
	for _, r := range Rules() {
		if r.Check != CheckStaticcheck && r.Check != CheckModernize {
			out = append(out, r)
		}
	}
	return out
}

// TestErrcheckExcludeFunctions: excludes in errcheck's syntax, a method
// and a function by its first argument's type (golangci-lint's
// exclude-functions, as zap's .golangci.yml writes them), drop just those
// calls.
func TestErrcheckExcludeFunctions(t *testing.T) {
	dir := testmod.Write(t, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.26\n",
		"buf/buf.go": `package buf

import (
	"errors"
	"io"
	"os"
)

type B struct{ n int }

func (b *B) Write(p []byte) (int, error) { b.n += len(p); return len(p), nil }

type W struct{}

func (W) Write(p []byte) (int, error) { return 0, errors.New("x") }

func F(b *B, w *W, f *os.File) {
	b.Write(nil)
	io.WriteString(w, "x")
	io.WriteString(f, "x")
}
`,
	})
	opts := DefaultOptions()
	opts.Errcheck.ExcludeFunctions = []string{"(*example.com/m/buf.B).Write", "io.WriteString(*example.com/m/buf.W)"}
	rules, err := RulesFor(opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{Dir: dir, Patterns: []string{"./..."}, Options: opts}, rules)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, d := range res.Diagnostics {
		if d.Analyzer == "errcheck" {
			lines = append(lines, d.Line)
		}
	}
	if len(lines) != 1 || lines[0] != 20 {
		t.Errorf("errcheck lines %v, want only 20 (io.WriteString to an *os.File)", lines)
	}
}
