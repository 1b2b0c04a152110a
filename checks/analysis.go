package checks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gocap/gocap/checks/internal/lint"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/reports"
)

// analysisRun is the one in-process analysis shared by the vet, errors and
// logging checks: one go/packages load, one checker.Analyze call.
type analysisRun struct {
	res   *lint.Result
	rules map[string]lint.Rule // by analyzer name
}

const analysisMemoKey = "lint-analysis"

// analysis runs (once per Env) every analyzer of lint.Rules over the
// module's packages, tests included.
func (e *Env) analysis(ctx context.Context, check string) (*analysisRun, error) {
	v, err := e.Memo(analysisMemoKey, func() (any, error) {
		rules := lint.Rules()
		byName := map[string]lint.Rule{}
		for _, r := range rules {
			byName[r.Analyzer.Name] = r
		}
		res, err := lint.Run(ctx, lint.Config{Dir: e.Dir, Patterns: e.Patterns, CacheDir: lint.DefaultCacheDir(), GoTmp: e.GoTmp,
			Progress: func(msg string) { e.progress(check, msg) }}, rules)
		if err != nil {
			var ve *lint.VersionError
			if errors.As(err, &ve) {
				return nil, fmt.Errorf("%w: %s", cmdutil.ErrUsage, ve.Msg)
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: %w", cmdutil.ErrTool, err)
		}
		return &analysisRun{res: res, rules: byName}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*analysisRun), nil
}

// lintRun returns the Run function of a check whose findings come from the
// shared analysis run. Each of the checks reports the packages that failed
// to load or type-check (a blocker; the score counts the same claim from
// several checks once) and leaves them out of its coverage: an analyzer that
// could not run on a package did not find it clean.
func lintRun(check string) func(context.Context, *Env) (*Result, error) {
	return func(ctx context.Context, env *Env) (*Result, error) {
		a, err := env.analysis(ctx, check)
		if err != nil {
			return nil, err
		}
		fs := a.typecheckFindings(env, check)
		fs = append(fs, a.findings(env, check)...)
		return &Result{Findings: fs, Summary: a.summary(check, len(fs)), NotMeasured: a.notMeasured()}, nil
	}
}

// notMeasured lists the packages the analyzers skipped: they did not load
// or type-check, or a dependency did not.
func (a *analysisRun) notMeasured() []reports.NotMeasured {
	var out []reports.NotMeasured
	seen := map[string]bool{}
	for _, e := range a.res.Errors {
		pkg := strings.TrimSuffix(e.Package, "_test")
		if seen[pkg] {
			continue
		}
		seen[pkg] = true
		why := "does not type-check"
		if e.Kind == "dependency" {
			why = "a dependency does not type-check"
		}
		out = append(out, reports.NotMeasured{Package: pkg, Reason: why})
	}
	return out
}

// findings converts the diagnostics of the analyzers owned by check.
func (a *analysisRun) findings(env *Env, check string) []reports.Finding {
	var out []reports.Finding
	for _, d := range a.res.Diagnostics {
		r, ok := a.rules[d.Analyzer]
		if !ok || r.Check != check {
			continue
		}
		sub := subRule(d)
		rule := d.Analyzer
		if sub != "" {
			rule += "/" + sub
		}
		sev := r.Severity
		if s, ok := r.SubSeverity[sub]; ok {
			sev = s
		}
		hint := r.Hint
		if h, ok := r.SubHints[sub]; ok {
			hint = h
		}
		detail := d.Related
		if strings.Contains(d.URL, "://") { // not a bare "#category" anchor: it leads nowhere in a report
			detail = strings.TrimSpace(detail + "\nsee " + d.URL)
		}
		out = append(out, reports.Finding{Check: check, Rule: rule, Dimension: r.Dimension, Severity: sev,
			File: env.Rel(d.File), Line: d.Line, Col: d.Col, Message: d.Message, Hint: hint, Function: d.Function, Detail: detail})
	}
	return out
}

// subRule names a diagnostic's kind within its analyzer: the diagnostic's
// category when it has one, else (for go-errorlint, which sets none) the
// kind read from its message.
func subRule(d lint.Diagnostic) string {
	if d.Category != "" {
		return d.Category
	}
	if d.Analyzer != "errorlint" {
		return ""
	}
	m := d.Message
	switch {
	case strings.Contains(m, "type switch on error"):
		return "type-switch"
	case strings.Contains(m, "type assertion on error"):
		return "assertion"
	case strings.Contains(m, "switch on an error"):
		return "switch"
	case strings.HasPrefix(m, "comparing with"):
		return "comparison"
	case strings.Contains(m, "fmt.Errorf"), strings.Contains(m, "%w verb"):
		return "errorf"
	}
	return ""
}

// analyzerNames lists the analyzers a check owns, sorted.
func (a *analysisRun) analyzerNames(check string) []string {
	var out []string
	for n, r := range a.rules {
		if r.Check == check {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (a *analysisRun) summary(check string, n int) string {
	s := fmt.Sprintf("%d findings from %s over %d packages", n, strings.Join(a.analyzerNames(check), ", "), a.res.Packages)
	if check == lint.CheckVet {
		vet := 0
		for _, r := range a.rules {
			if r.Vet {
				vet++
			}
		}
		s = fmt.Sprintf("%d findings from the go vet suite (%d analyzers) and %d more analyzers over %d packages",
			n, vet, len(a.analyzerNames(check))-vet, a.res.Packages)
	}
	skipped := 0
	for n, k := range a.res.Skipped {
		if a.rules[n].Check == check {
			skipped += k
		}
	}
	if skipped > 0 {
		s += fmt.Sprintf("; %d in generated files skipped", skipped)
	}
	if len(a.res.Failed) > 0 {
		s += fmt.Sprintf("; %d analyzer runs failed (%s)", len(a.res.Failed), a.res.Failed[0])
	}
	if a.res.Reloaded {
		s += "; a dependency has errors, so dependencies were loaded whole (slower)"
	}
	if a.res.Cached {
		s += " (cached)"
	}
	return s
}

const typecheckHint = "the package does not build or type-check, so go vet fails and most analyzers skip it; fix the error (go build ./... && go vet ./...)"

// typecheckFindings reports packages that failed to load or type-check.
func (a *analysisRun) typecheckFindings(env *Env, check string) []reports.Finding {
	var out []reports.Finding
	hint := typecheckHint
	if a.res.VersionSkew != "" {
		hint = a.res.VersionSkew
	}
	for _, e := range a.res.Errors {
		f := reports.Finding{Check: check, Rule: reports.RuleTypecheck, Dimension: reports.DimCorrectness, Severity: reports.SevError,
			Line: e.Line, Col: e.Col, Message: e.Kind + " error in " + e.Package + ": " + e.Message, Hint: hint}
		if e.Kind == "dependency" {
			f.Rule, f.Severity = reports.RuleTypecheck+"/dependency", reports.SevWarning
			f.Message = e.Package + " " + e.Message
			f.Hint = "a package that imports a broken one cannot be analysed; fix the dependency's error first"
		}
		if e.File != "" {
			f.File = env.Rel(e.File)
		}
		out = append(out, f)
	}
	return out
}
