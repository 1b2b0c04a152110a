package checks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/reports"
)

// Tidy reports go.mod/go.sum drift from `go mod tidy -diff`.
var Tidy = &Check{
	ID:   "tidy",
	Name: "go mod tidy",
	Doc: `go.mod and go.sum drift from go mod tidy

Runs go mod tidy -diff, which changes nothing and exits 1 with a unified diff
when go.mod or go.sum would change. Each removed or added requirement line
becomes a finding at its go.mod line; the whole diff is attached.`,
	URL:      "https://go.dev/ref/mod#go-mod-tidy",
	Measures: []string{reports.DimDependencies},
	Run:      runTidy,
}

var hunkRe = regexp.MustCompile(`^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@`)

func runTidy(ctx context.Context, env *Env) (*Result, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "tidy", "-diff")
	cmd.Dir = env.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := &Result{}
	if err == nil {
		res.Summary = "go.mod and go.sum are tidy"
		return res, nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || stdout.Len() == 0 {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: go mod tidy -diff: %s", cmdutil.ErrTool, modinfo.FirstLine(stderr.String()))
	}
	diff := stdout.String()
	res.Findings = parseTidyDiff(diff)
	res.Summary = fmt.Sprintf("go mod tidy would change %d lines", len(res.Findings))
	return res, nil
}

// parseTidyDiff turns the unified diff of go mod tidy -diff into findings: one
// per changed go.mod line, one for go.sum as a whole.
func parseTidyDiff(diff string) []reports.Finding {
	var out []reports.Finding
	file := ""
	oldLine := 0
	sumChanged := false
	for _, l := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "--- "):
			file = strings.TrimPrefix(strings.Fields(l)[1], "current/")
			continue
		case strings.HasPrefix(l, "+++ "):
			continue
		}
		if m := hunkRe.FindStringSubmatch(l); m != nil {
			// The pattern admits digits only, so Atoi fails only on overflow;
			// then the line is unknown (0) rather than the previous hunk's.
			n, err := strconv.Atoi(m[1])
			if err != nil {
				n = 0
			}
			oldLine = n
			continue
		}
		if strings.HasSuffix(file, "go.sum") {
			if strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-") {
				sumChanged = true
			}
			continue
		}
		switch {
		case strings.HasPrefix(l, "-"):
			txt := strings.TrimSpace(l[1:])
			if txt != "" && txt != ")" && txt != "require (" {
				out = append(out, reports.Finding{Rule: "unused-requirement", Dimension: reports.DimDependencies, Severity: reports.SevError, File: "go.mod", Line: oldLine,
					Message: "go mod tidy removes: " + txt, Detail: diff,
					Hint: "a requirement nothing imports still pins versions and widens the supply chain; run go mod tidy"})
			}
			oldLine++
		case strings.HasPrefix(l, "+"):
			txt := strings.TrimSpace(l[1:])
			if txt != "" && txt != ")" && txt != "require (" {
				out = append(out, reports.Finding{Rule: "missing-requirement", Dimension: reports.DimDependencies, Severity: reports.SevError, File: "go.mod", Line: oldLine,
					Message: "go mod tidy adds: " + txt, Detail: diff,
					Hint: "go.mod does not list what the code imports (or marks it indirect wrongly); run go mod tidy so builds are reproducible"})
			}
		case strings.HasPrefix(l, " "):
			oldLine++
		}
	}
	if sumChanged {
		out = append(out, reports.Finding{Rule: "go-sum-drift", Dimension: reports.DimDependencies, Severity: reports.SevWarning, File: "go.sum", Line: 1,
			Message: "go.sum is out of date", Detail: diff,
			Hint: "stale or missing checksums make builds fail or verify less; run go mod tidy"})
	}
	return out
}
