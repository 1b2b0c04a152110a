package lint

import (
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/modernize"
	sclint "honnef.co/go/tools/analysis/lint"
	"honnef.co/go/tools/quickfix"
	"honnef.co/go/tools/simple"
	"honnef.co/go/tools/staticcheck"
	"honnef.co/go/tools/stylecheck"
	"honnef.co/go/tools/unused"

	"github.com/gocap/gocap/reports"
)

// Checks that own the staticcheck and modernize analyzers.
const (
	CheckStaticcheck = "staticcheck"
	CheckModernize   = "modernize"
)

// DefaultStaticcheck is the staticcheck selection gocap runs when
// .gocap.yaml names none: every SA check (bugs, including the deprecation
// check SA1019) and unused code (U1000), as `staticcheck -checks
// 'SA*,U1000'` does. S (simple), ST (stylecheck) and QF (quickfix) checks
// are opt-in.
var DefaultStaticcheck = []string{"SA*", "U1000"}

// staticcheckAnalyzers lists every staticcheck analyzer gocap knows:
// staticcheck (SA), simple (S), stylecheck (ST), quickfix (QF) and unused
// (U1000), with their documentation.
func staticcheckAnalyzers() []*sclint.Analyzer {
	var out []*sclint.Analyzer
	out = append(out, staticcheck.Analyzers...)
	out = append(out, simple.Analyzers...)
	out = append(out, stylecheck.Analyzers...)
	out = append(out, quickfix.Analyzers...)
	return append(out, unused.Analyzer)
}

// SelectStaticcheck reports which staticcheck check names a selection
// enables, with staticcheck's own syntax: "SA*" (a category), "SA1*" (a
// prefix), "SA1019" (one check), "all" or "*", and "-X" to take any of
// those away again; later entries win. Unknown names are an error, so a
// typo in .gocap.yaml does not silently select nothing.
func SelectStaticcheck(sel []string) (map[string]bool, error) {
	all := staticcheckAnalyzers()
	on := map[string]bool{}
	for _, s := range sel {
		val := true
		if strings.HasPrefix(s, "-") {
			val, s = false, s[1:]
		}
		s = strings.ToUpper(strings.TrimSpace(s))
		matched := false
		for _, a := range all {
			name := a.Analyzer.Name
			ok := false
			switch {
			case s == "*" || s == "ALL":
				ok = true
			case strings.HasSuffix(s, "*"):
				prefix := strings.TrimSuffix(s, "*")
				if strings.IndexFunc(prefix, unicode.IsDigit) < 0 {
					// A category: S* is S1000…, not SA1000.
					ok = category(name) == prefix
				} else {
					ok = strings.HasPrefix(name, prefix)
				}
			default:
				ok = name == s
			}
			if ok {
				matched = true
				on[name] = val
			}
		}
		if !matched {
			return nil, fmt.Errorf("staticcheck check %q matches no check: use names like SA1019, categories like SA* or ST*, or all", s)
		}
	}
	for n, v := range on {
		if !v {
			delete(on, n)
		}
	}
	return on, nil
}

// category is a check name's letters: SA, S, ST, QF, U.
func category(name string) string {
	if i := strings.IndexFunc(name, unicode.IsDigit); i >= 0 {
		return name[:i]
	}
	return name
}

// staticcheckRules returns the rules of the selected staticcheck checks.
//
// Dimensions and severities: SA checks are bugs and cost correctness
// points, at staticcheck's own severity (its "error" checks are errors,
// "warning" ones warnings); SA1019 (use of a deprecated API) and U1000
// (unused code) do not make the program wrong today but cost whoever
// maintains it, so they are style warnings; S, ST and QF checks are style
// info notes.
func staticcheckRules(selected map[string]bool) []Rule {
	var out []Rule
	for _, a := range staticcheckAnalyzers() {
		name := a.Analyzer.Name
		if !selected[name] {
			continue
		}
		doc := a.Doc.Compile()
		r := Rule{Analyzer: a.Analyzer, Check: CheckStaticcheck, Dimension: dimCorrect, Severity: reports.SevWarning,
			Hint: strings.TrimSuffix(doc.Title, ".") + " (" + a.Analyzer.URL + ")"}
		switch cat := category(name); {
		case name == "U1000":
			r.Analyzer = reportUnused(a.Analyzer)
			r.Dimension = dimStyle
			r.Hint = "unused code is read, compiled and maintained for nothing, and often a sign of a forgotten call; delete it (or use it) (https://staticcheck.dev/docs/checks/#U1000)"
		case name == "SA1019":
			r.Dimension = dimStyle
			r.Hint = "a deprecated API keeps working for now but has a replacement its authors want you on; switch to what the deprecation notice names (https://staticcheck.dev/docs/checks/#SA1019)"
		case cat == "SA":
			if doc.Severity == sclint.SeverityError {
				r.Severity = reports.SevError
			}
		default:
			r.Dimension, r.Severity = dimStyle, reports.SevInfo
		}
		out = append(out, r)
	}
	return out
}

// reportUnused returns unused's analyzer with a Run that also reports its
// Unused objects, as staticcheck's command does from the result: "func f
// is unused" at the object's position.
func reportUnused(a *analysis.Analyzer) *analysis.Analyzer {
	c := *a
	run := a.Run
	c.Run = func(pass *analysis.Pass) (any, error) {
		res, err := run(pass)
		if err != nil {
			return res, err
		}
		r, ok := res.(unused.Result)
		if !ok {
			return res, nil
		}
		files := map[string]bool{}
		for _, f := range pass.Files {
			files[pass.Fset.File(f.Pos()).Name()] = true
		}
		asm := asmSymbols(pass)
		for _, o := range r.Unused {
			if asm[o.Name] {
				continue // referenced from the package's assembly (·name(SB))
			}
			pos := o.DisplayPosition
			if !files[pos.Filename] {
				continue
			}
			tf := fileByName(pass, pos.Filename)
			if tf == nil || pos.Line < 1 || pos.Line > tf.LineCount() {
				continue
			}
			p := tf.LineStart(pos.Line)
			if pos.Column > 1 {
				p += token.Pos(pos.Column - 1)
			}
			pass.Report(analysis.Diagnostic{Pos: p, Message: fmt.Sprintf("%s %s is unused", o.Kind, o.Name)})
		}
		return res, nil
	}
	return &c
}

// asmSymbols returns the Go names the package's assembly files refer to
// (·name in MOVQ ·primes+0(SB), CALL ·f(SB)). staticcheck's unused does not
// read assembly and calls a table only assembly uses unused (xxhash's
// primes); gocap drops those.
func asmSymbols(pass *analysis.Pass) map[string]bool {
	out := map[string]bool{}
	for _, name := range pass.OtherFiles {
		if !strings.HasSuffix(name, ".s") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		src := string(b)
		for {
			i := strings.Index(src, "\u00b7")
			if i < 0 {
				break
			}
			src = src[i+len("\u00b7"):]
			j := strings.IndexFunc(src, func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') })
			if j < 0 {
				j = len(src)
			}
			out[src[:j]] = true
		}
	}
	return out
}

// modernizeRules returns the modernize suite (golang.org/x/tools
// go/analysis/passes/modernize), each analyzer an info note in the style
// dimension. The modernizers read each file's Go version (the module's go
// directive, or a //go:build line), so they only suggest what that version
// has.
func modernizeRules() []Rule {
	var out []Rule
	for _, a := range modernize.Suite {
		out = append(out, Rule{Analyzer: a, Check: CheckModernize, Dimension: dimStyle, Severity: reports.SevInfo,
			Hint: "newer Go (at or below the module's go line) has a simpler or faster way to write this; go fix -diff ./... shows the change and go fix ./... applies it (" + firstLine(a.Doc) + ")"})
	}
	return out
}

func fileByName(pass *analysis.Pass, name string) *token.File {
	for _, f := range pass.Files {
		if tf := pass.Fset.File(f.Pos()); tf != nil && filepath.Clean(tf.Name()) == filepath.Clean(name) {
			return tf
		}
	}
	return nil
}
