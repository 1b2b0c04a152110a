package suppress

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"strings"

	"github.com/gocap/gocap/reports"
)

// foreign reads staticcheck's and golangci-lint's directives in one file.
//
// staticcheck: "//lint:ignore CHECK[,CHECK…] reason" applies to the line
// where the syntax node it is attached to starts (the statement or
// declaration it precedes, or the one it ends the line of), and only with
// a reason; "//lint:file-ignore CHECK reason" to the whole file. CHECK is a
// glob (SA1019, SA*, U1000) matched against staticcheck findings.
//
// golangci-lint: "//nolint" or "//nolint:linter[,linter…]" (an
// explanation may follow after " //"; "// nolint" with one space counts
// too, see isNolint). At the end of a line it covers that
// line; on a line of its own it covers the whole node it precedes (a
// function, a statement). Linters map to gocap's rules: staticcheck (all
// staticcheck findings), gosimple, stylecheck (its S and ST checks),
// unused (U1000), errcheck, errorlint, govet (the vet check), modernize,
// and "all" or no list for every finding.
func foreign(rel, filename string, src []byte) []*Directive {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil && f == nil {
		return nil
	}
	var out []*Directive
	cm := ast.NewCommentMap(fset, f, f.Comments)
	attached := map[*ast.Comment]ast.Node{}
	for node, groups := range cm {
		for _, g := range groups {
			for _, c := range g.List {
				if prev, ok := attached[c]; !ok || node.Pos() < prev.Pos() {
					attached[c] = node
				}
			}
		}
	}
	for _, g := range f.Comments {
		for _, c := range g.List {
			line := fset.Position(c.Slash).Line
			node := attached[c]
			switch {
			case strings.HasPrefix(c.Text, "//lint:ignore ") || strings.HasPrefix(c.Text, "//lint:file-ignore "):
				cmd, rest, _ := strings.Cut(strings.TrimPrefix(c.Text, "//lint:"), " ")
				checks, reason, _ := strings.Cut(strings.TrimSpace(rest), " ")
				d := &Directive{File: rel, Line: line, Kind: KindLint, Rule: "staticcheck/" + checks,
					Reason: strings.TrimSpace(reason), Names: strings.Split(checks, ",")}
				switch {
				case d.Reason == "":
					// staticcheck rejects it; Apply reports it as malformed.
					d.From, d.To = -1, -1
				case cmd == "file-ignore":
					d.From, d.To = 1, 0
				case node != nil:
					l := fset.Position(node.Pos()).Line
					d.From, d.To = l, l
				default:
					d.From, d.To = line, line
				}
				out = append(out, d)
			case isNolint(c.Text):
				rest := strings.TrimPrefix(strings.TrimPrefix(c.Text, "// "), "//")
				rest = strings.TrimPrefix(rest, "nolint")
				reason := ""
				if i := strings.Index(rest, "//"); i >= 0 {
					rest, reason = rest[:i], strings.TrimSpace(rest[i+2:])
				}
				var names []string
				if list, ok := strings.CutPrefix(strings.TrimSpace(rest), ":"); ok {
					for _, n := range strings.Split(list, ",") {
						if n = strings.TrimSpace(n); n != "" {
							names = append(names, strings.ToLower(n))
						}
					}
				}
				d := &Directive{File: rel, Line: line, Kind: KindNolint, Rule: "nolint:" + strings.Join(names, ","), Reason: reason, Names: names, From: line, To: line}
				if node != nil && fset.Position(node.Pos()).Line > line {
					// On a line of its own before a node: the whole node.
					d.To = fset.Position(node.End()).Line
				}
				out = append(out, d)
			}
		}
	}
	return out
}

// isNolint: "//nolint", "//nolint:LIST" or "//nolint // why", and the same
// with one space after the slashes ("// nolint:errcheck"), which
// golangci-lint v1 honoured and much code still carries; golangci-lint v2
// reads only the first form, but the author's intent is the same.
func isNolint(text string) bool {
	rest, ok := strings.CutPrefix(text, "//nolint")
	if !ok {
		rest, ok = strings.CutPrefix(text, "// nolint")
	}
	return ok && (rest == "" || rest[0] == ':' || rest[0] == ' ')
}

// covers reports whether a foreign directive suppresses f.
func (d *Directive) covers(f reports.Finding) bool {
	if f.Line < d.From || d.To > 0 && f.Line > d.To || d.From < 0 {
		return false
	}
	switch d.Kind {
	case KindLint:
		if f.Check != "staticcheck" {
			return false
		}
		for _, n := range d.Names {
			if ok, _ := path.Match(strings.ToUpper(strings.TrimSpace(n)), strings.ToUpper(f.Rule)); ok {
				return true
			}
		}
	case KindNolint:
		if len(d.Names) == 0 {
			return true
		}
		for _, n := range d.Names {
			if nolintCovers(n, f) {
				return true
			}
		}
	}
	return false
}

// nolintCovers maps a golangci-lint linter name onto gocap's findings.
func nolintCovers(linter string, f reports.Finding) bool {
	base, _, _ := strings.Cut(f.Rule, "/")
	switch linter {
	case "all":
		return true
	case "staticcheck":
		return f.Check == "staticcheck"
	case "gosimple":
		return f.Check == "staticcheck" && strings.HasPrefix(f.Rule, "S") && !strings.HasPrefix(f.Rule, "SA") && !strings.HasPrefix(f.Rule, "ST")
	case "stylecheck":
		return f.Check == "staticcheck" && strings.HasPrefix(f.Rule, "ST")
	case "unused":
		return f.Rule == "U1000"
	case "errcheck", "errorlint":
		return base == linter
	case "govet":
		return f.Check == "vet"
	case "modernize":
		return f.Check == "modernize"
	}
	return false
}
