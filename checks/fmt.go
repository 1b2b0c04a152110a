package checks

import (
	"bytes"
	"context"
	"fmt"
	"go/format"
	"os"
	"sort"

	"github.com/aymanbagabas/go-udiff"

	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/reports"
)

// Fmt reports files that gofmt would change, with the diff. It formats in
// process with go/format (the same printer gofmt uses), so no subprocess runs.
var Fmt = &Check{
	ID:   "fmt",
	Name: "gofmt",
	Doc: `files not formatted with gofmt

Every Go file of the selected packages (tests included) is formatted with
go/format.Source and compared byte for byte; a difference is an error finding
carrying the unified diff. Files that do not parse are reported as such.`,
	URL:      "https://pkg.go.dev/cmd/gofmt",
	Measures: []string{reports.DimStyle},
	Run:      runFmt,
}

const fmtHint = "gofmt is the shared Go style: unformatted code makes diffs noisy and reviews slower; run gofmt -w (or goimports) on the file"

func runFmt(ctx context.Context, env *Env) (*Result, error) {
	pkgs, err := env.Packages(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var files []string
	for _, p := range pkgs {
		for _, f := range p.Files() {
			if !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	}
	sort.Strings(files)
	res := &Result{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if isGenerated(src) {
			continue
		}
		out, err := format.Source(src)
		if err != nil {
			res.Findings = append(res.Findings, reports.Finding{Rule: "parse", Dimension: reports.DimStyle, Severity: reports.SevError,
				File: env.Rel(f), Line: 1, Message: "gofmt cannot parse the file: " + modinfo.FirstLine(err.Error()),
				Hint: "the file does not parse; fix the syntax error first"})
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		rel := env.Rel(f)
		diff := udiff.Unified("a/"+rel, "b/"+rel, string(src), string(out))
		res.Findings = append(res.Findings, reports.Finding{Rule: "gofmt", Dimension: reports.DimStyle, Severity: reports.SevError,
			File: rel, Line: firstDiffLine(src, out), Message: "file is not gofmt'ed", Hint: fmtHint, Detail: diff})
	}
	res.Summary = fmt.Sprintf("%d of %d files need gofmt", len(res.Findings), len(files))
	return res, nil
}

// firstDiffLine returns the 1-based line of the first byte where a and b differ.
func firstDiffLine(a, b []byte) int {
	line := 1
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return line
		}
		if a[i] == '\n' {
			line++
		}
	}
	return line
}

var genMarker = []byte("// Code generated ")

// isGenerated reports whether src carries the standard "Code generated ... DO
// NOT EDIT." comment (https://go.dev/s/generatedcode).
func isGenerated(src []byte) bool {
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		line = bytes.TrimRight(line, "\r")
		if bytes.HasPrefix(line, genMarker) && bytes.HasSuffix(line, []byte(" DO NOT EDIT.")) {
			return true
		}
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("package ")) {
			return false
		}
	}
	return false
}
