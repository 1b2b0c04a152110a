// Package suppress drops findings a project chose not to see: in vendor/,
// in generated files, matching .gocap.yaml excludes, or marked in the source
// with a //gocap:ignore directive. An ignore directive that suppresses
// nothing is reported itself (rule unused-ignore), so stale ones get removed.
package suppress

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gocap/gocap/internal/config"
	"github.com/gocap/gocap/reports"
)

// CheckID is the id of the check gocap adds to a report for its ignore
// directives: suppressed counts in the summary, unused ones as findings.
const CheckID = "ignore"

// Generated reports whether the Go file at p carries the standard
// "Code generated … DO NOT EDIT." comment (https://go.dev/s/generatedcode).
func Generated(p string) bool {
	if !strings.HasSuffix(p, ".go") {
		return false
	}
	f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil || f == nil {
		return false
	}
	return ast.IsGenerated(f)
}

// InVendor reports whether a slash-separated path relative to the module
// root lies in a vendor folder.
func InVendor(rel string) bool {
	return rel == "vendor" || strings.HasPrefix(rel, "vendor/") || strings.Contains(rel, "/vendor/")
}

// Filter drops findings in vendor/, in generated files (read below root) and
// those matched by cfg's excludes (cfg may be nil). It returns how many went.
func Filter(r *reports.Report, root string, cfg *config.Config) int {
	gen := map[string]bool{}
	dropped := reports.FilterFindings(r, func(f reports.Finding) bool {
		if f.File != "" {
			if InVendor(f.File) {
				return false
			}
			g, ok := gen[f.File]
			if !ok {
				g = safeRel(f.File) && Generated(filepath.Join(root, filepath.FromSlash(f.File)))
				gen[f.File] = g
			}
			if g {
				return false
			}
		}
		return cfg == nil || !cfg.Excluded(f)
	})
	return len(dropped)
}

func safeRel(p string) bool {
	c := path.Clean(p)
	return !path.IsAbs(c) && c != ".." && !strings.HasPrefix(c, "../")
}

// Directive is one //gocap:ignore comment, or one of the foreign
// directives gocap honours the way their own tools do: staticcheck's
// //lint:ignore and //lint:file-ignore, golangci-lint's //nolint.
type Directive struct {
	File   string // relative to the module root, slash-separated
	Line   int
	Rule   string
	Reason string
	// Kind is "" for //gocap:ignore, KindLint or KindNolint.
	Kind string
	// From and To are the lines a foreign directive covers (To 0: the
	// rest of the file).
	From, To int
	// Names are a foreign directive's checks (lint: SA1019, SA*) or
	// linters (nolint: staticcheck, errcheck; none means all).
	Names []string
	used  int
	// quiet: never reported as unused (a generated file, or one whose
	// findings the configuration excludes: what it silenced is gone
	// before the directive sees it).
	quiet bool
}

// couldHaveMatched: d is a line //lint:ignore of a file that is not
// generated, naming no U1000 and at least one check of the selections
// (which default to staticcheck's SA* and U1000).
func (d *Directive) couldHaveMatched(selections []map[string]bool) bool {
	if d.From < 0 || d.To == 0 || d.quiet {
		return false
	}
	sel := map[string]bool{}
	for _, s := range selections {
		for k, v := range s {
			sel[k] = v
		}
	}
	any := false
	for _, n := range d.Names {
		n = strings.ToUpper(strings.TrimSpace(n))
		if n == "U1000" {
			return false
		}
		if len(selections) == 0 {
			any = any || isSA(n)
		} else {
			any = any || sel[n]
		}
	}
	return any
}

// isSA: a staticcheck SA check name (SA1019), not a glob.
func isSA(n string) bool {
	if len(n) != 6 || !strings.HasPrefix(n, "SA") {
		return false
	}
	for _, c := range n[2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Kinds of foreign directives.
const (
	KindLint   = "lint"
	KindNolint = "nolint"
)

// directivePrefix starts an ignore directive: a line comment with no space
// after the slashes, like //go: and //nolint directives, so prose that
// mentions it (or a string holding it) is not one.
const directivePrefix = "//gocap:ignore"

// Scan reads //gocap:ignore directives from the comments of the given Go
// files (absolute paths), reporting paths relative to root. It tokenizes
// with go/scanner, so string literals are never mistaken for comments.
func Scan(root string, files []string) ([]*Directive, error) {
	var out []*Directive
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, f)
		if bytes.Contains(src, []byte("//lint:")) || bytes.Contains(src, []byte("//nolint")) || bytes.Contains(src, []byte("// nolint")) {
			fds := foreign(filepath.ToSlash(rel), f, src)
			if Generated(f) {
				for _, d := range fds {
					d.quiet = true
				}
			}
			out = append(out, fds...)
		}
		if !bytes.Contains(src, []byte(directivePrefix)) {
			continue
		}
		fset := token.NewFileSet()
		file := fset.AddFile(f, -1, len(src))
		var sc scanner.Scanner
		sc.Init(file, src, nil, scanner.ScanComments)
		for {
			pos, tok, lit := sc.Scan()
			if tok == token.EOF {
				break
			}
			if tok != token.COMMENT || !strings.HasPrefix(lit, directivePrefix) {
				continue
			}
			rest := lit[len(directivePrefix):]
			if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
				continue // //gocap:ignoreX is not ours
			}
			fields := strings.Fields(rest)
			d := &Directive{File: filepath.ToSlash(rel), Line: fset.Position(pos).Line}
			if len(fields) > 0 {
				d.Rule = fields[0]
				d.Reason = strings.Join(fields[1:], " ")
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// QuietExcluded keeps the directives of files that cfg's excludes cover
// from being reported as unused: the findings they silenced are dropped
// before Apply sees them.
func QuietExcluded(ds []*Directive, cfg *config.Config) {
	if cfg == nil {
		return
	}
	for _, d := range ds {
		if cfg.Excluded(reports.Finding{File: d.File, Line: d.Line, Check: "staticcheck", Rule: strings.Join(d.Names, ",")}) {
			d.quiet = true
		}
	}
}

// Apply removes the findings that a directive covers — same file, the
// directive's line or the line below it, and a matching rule ("rule",
// "check/rule" or "check/*") — and adds check "ignore" to the report with
// one unused-ignore warning per directive that covered nothing, when the
// check its rule belongs to ran (a directive for a skipped check is not
// stale). A directive without a rule is reported as malformed.
//
// A //lint:ignore that matched nothing is reported as staticcheck reports
// it ("this linter directive didn't match anything"), on the same terms:
// only a line directive (not //lint:file-ignore), never one naming U1000
// (unused code is not local to a package: code only tests use), and only
// when one of the checks it names ran (staticcheck, the selection's names;
// a glob such as SA* is never a name, so never reported), in a file that
// is not generated.
func Apply(r *reports.Report, ds []*Directive, staticcheck ...map[string]bool) {
	byFile := map[string][]*Directive{}
	for _, d := range ds {
		byFile[d.File] = append(byFile[d.File], d)
	}
	suppressed := 0
	reports.FilterFindings(r, func(f reports.Finding) bool {
		if f.Line == 0 {
			return true
		}
		for _, d := range byFile[f.File] {
			if d.Kind != "" {
				if d.covers(f) {
					d.used++
					suppressed++
					return false
				}
				continue
			}
			if d.Rule != "" && (f.Line == d.Line || f.Line == d.Line+1) && config.RuleMatches(d.Rule, f) {
				d.used++
				suppressed++
				return false
			}
		}
		return true
	})
	ran := map[string]bool{}
	allRan := true
	for _, c := range r.Checks {
		if c.Status == reports.StatusPass || c.Status == reports.StatusFail {
			ran[c.ID] = true
		} else {
			allRan = false
		}
	}
	chk := reports.Check{ID: CheckID, Name: "gocap:ignore directives", Status: reports.StatusPass, URL: reports.DocsURL}
	for _, d := range ds {
		switch {
		case d.Kind == KindLint && d.Reason == "":
			chk.Findings = append(chk.Findings, reports.Finding{Rule: "malformed-ignore", Dimension: "style", Severity: reports.SevWarning,
				File: d.File, Line: d.Line, Message: "//lint:ignore without a reason suppresses nothing (staticcheck ignores it too)",
				Hint: "write //lint:ignore CHECK reason, e.g. //lint:ignore SA1019 the replacement needs Go 1.27"})
		case d.Kind == KindLint && d.used == 0 && ran["staticcheck"] && d.couldHaveMatched(staticcheck):
			chk.Findings = append(chk.Findings, reports.Finding{Rule: "unused-ignore", Dimension: reports.DimStyle, Severity: reports.SevWarning,
				File: d.File, Line: d.Line, Message: fmt.Sprintf("//lint:ignore %s: this linter directive didn't match anything; should it be removed?", strings.Join(d.Names, ",")),
				Hint: "the finding it silenced is gone (or it names the wrong check, or sits on the wrong line: it applies to the statement it precedes or ends): delete it so it cannot hide a future finding"})
		case d.Kind != "":
			// Foreign directives may name checks gocap does not run:
			// never reported as unused.
		case d.Rule == "":
			chk.Findings = append(chk.Findings, reports.Finding{Rule: "malformed-ignore", Dimension: reports.DimStyle, Severity: reports.SevWarning,
				File: d.File, Line: d.Line, Message: "//gocap:ignore without a rule suppresses nothing",
				Hint: "write //gocap:ignore RULE reason, e.g. //gocap:ignore vet/printf the format is built at run time"})
		case d.used == 0:
			check, _, hasCheck := strings.Cut(d.Rule, "/")
			if (hasCheck && !ran[check]) || (!hasCheck && !allRan) {
				continue
			}
			chk.Findings = append(chk.Findings, reports.Finding{Rule: "unused-ignore", Dimension: reports.DimStyle, Severity: reports.SevWarning,
				File: d.File, Line: d.Line, Message: fmt.Sprintf("//gocap:ignore %s suppresses nothing", d.Rule),
				Hint: "the finding it silenced is gone (or the rule name is wrong): delete the directive so it cannot hide a future finding"})
		}
	}
	chk.Summary = fmt.Sprintf("%d directives, %d findings suppressed, %d unused or malformed", len(ds), suppressed, len(chk.Findings))
	if len(ds) == 0 {
		return
	}
	sort.SliceStable(chk.Findings, func(i, j int) bool { return chk.Findings[i].File < chk.Findings[j].File })
	r.AddCheck(chk)
}
