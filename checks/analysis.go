package checks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gocap/gocap/checks/internal/lint"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/config"
	"github.com/gocap/gocap/reports"
)

// analysisRun is the one in-process analysis shared by the vet, errors and
// logging checks: one go/packages load, one checker.Analyze call.
type analysisRun struct {
	res            *lint.Result
	rules          map[string]lint.Rule // by analyzer name
	staticcheckSel []string
}

const analysisMemoKey = "lint-analysis"

// analysis runs (once per Env) every analyzer of lint.Rules over the
// module's packages, tests included.
func (e *Env) analysis(ctx context.Context, check string) (*analysisRun, error) {
	v, err := e.Memo(analysisMemoKey, func() (_ any, err error) {
		defer func() {
			// Every lint check shares this result: a panic here is one
			// internal error for all of them, not a nil for the others.
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: internal error in the analysis run: %v", cmdutil.ErrTool, p)
			}
		}()
		opts := e.Analysis.lintOptions()
		rules, err := lint.RulesFor(opts)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", cmdutil.ErrUsage, err)
		}
		byName := map[string]lint.Rule{}
		for _, r := range rules {
			byName[r.Analyzer.Name] = r
		}
		pkgList := func() []string {
			list, err := e.Packages(ctx)
			if err != nil {
				return nil
			}
			pkgs := []string{}
			for _, p := range list {
				if len(p.GoFiles)+len(p.CgoFiles)+len(p.TestGoFiles)+len(p.XTestGoFiles) > 0 {
					pkgs = append(pkgs, p.ImportPath)
				}
			}
			return pkgs
		}
		res, err := lint.Run(ctx, lint.Config{Dir: e.Dir, Patterns: e.Patterns, CacheDir: lint.DefaultCacheDir(), GoTmp: e.GoTmp,
			Options: opts, PackageList: pkgList, Progress: func(msg string) { e.progress(check, msg) }}, rules)
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
		return &analysisRun{res: res, rules: byName, staticcheckSel: opts.Staticcheck}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*analysisRun), nil
}

// AnalysisOptions configure the analyzers of the vet, errors, logging,
// staticcheck and modernize checks (.gocap.yaml's errcheck and staticcheck
// sections); the zero value is gocap's defaults.
type AnalysisOptions struct {
	// ErrcheckNoStdErrorHandling turns golangci-lint's std-error-handling
	// exclusions off (errcheck then reports Close, Flush, os.Remove, fmt
	// prints…).
	ErrcheckNoStdErrorHandling bool
	// ErrcheckExclude are more functions errcheck does not report, in its
	// syntax: pkg.Func, (pkg.T).Method, (*pkg.T).Method.
	ErrcheckExclude []string
	// Staticcheck selects staticcheck checks with its syntax (SA*, U1000,
	// S1000, -SA1019, all); nil means SA* and U1000.
	Staticcheck []string
}

// AnalysisFrom reads the analyzer settings of a .gocap.yaml (nil: defaults).
func AnalysisFrom(c *config.Config) AnalysisOptions {
	if c == nil {
		return AnalysisOptions{}
	}
	o := AnalysisOptions{ErrcheckExclude: c.Errcheck.ExcludeFunctions, Staticcheck: c.Staticcheck.Checks}
	if s := c.Errcheck.StdErrorHandling; s != nil && !*s {
		o.ErrcheckNoStdErrorHandling = true
	}
	return o
}

// Validate reports a staticcheck selection that names no known check.
func (o AnalysisOptions) Validate() error {
	if o.Staticcheck == nil {
		return nil
	}
	_, err := lint.SelectStaticcheck(o.Staticcheck)
	return err
}

// StaticcheckSelected returns the names of the staticcheck checks the
// selection runs (SA1019, U1000, …); nil when it is invalid.
func (o AnalysisOptions) StaticcheckSelected() map[string]bool {
	sel, err := lint.SelectStaticcheck(o.Staticcheck)
	if err != nil {
		return nil
	}
	return sel
}

func (o AnalysisOptions) lintOptions() lint.Options {
	opts := lint.DefaultOptions()
	opts.Errcheck.StdErrorHandling = !o.ErrcheckNoStdErrorHandling
	opts.Errcheck.ExcludeFunctions = o.ErrcheckExclude
	opts.Staticcheck = o.Staticcheck
	return opts
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
	at := map[string]bool{} // analyzer, file:line
	for _, d := range a.res.Diagnostics {
		at[d.Analyzer+" "+d.File+":"+strconv.Itoa(d.Line)] = true
		if d.Function != "" {
			at[d.Analyzer+" "+d.File+" "+d.Function] = true
		}
	}
	for _, d := range a.res.Diagnostics {
		r, ok := a.rules[d.Analyzer]
		if !ok || r.Check != check {
			continue
		}
		if twin, ok := vetTwin[d.Analyzer]; ok && (at[twin+" "+d.File+":"+strconv.Itoa(d.Line)] ||
			d.Analyzer == "SA2002" && d.Function != "" && at[twin+" "+d.File+" "+d.Function]) {
			continue // the vet check already reports this defect on this line: one claim, not two
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
		if r.TestSeverity != "" && strings.HasSuffix(d.File, "_test.go") && sev.Rank() > r.TestSeverity.Rank() {
			sev = r.TestSeverity
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

// vetTwin maps staticcheck checks to the vet-check analyzer that finds
// the same defect; a staticcheck finding on a line where its twin reported
// (for SA2002, which reports the go statement while vet reports the Fatal
// call: in the same function) is dropped, so one defect costs points once.
var vetTwin = map[string]string{
	"SA5009": "printf", "SA1006": "printf", "SA1014": "unmarshal", "SA1028": "sortslice",
	"SA2002": "testinggoroutine", "SA4017": "unusedresult", "SA5011": "nilness", "SA2000": "waitgroup",
	"SA5010": "ifaceassert",
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
	switch check {
	case lint.CheckModernize:
		s = a.modernizeSummary(n)
	case lint.CheckStaticcheck:
		sel := a.staticcheckSel
		if sel == nil {
			sel = lint.DefaultStaticcheck
		}
		s = fmt.Sprintf("%d findings from %d staticcheck checks (%s) over %d packages", n, len(a.analyzerNames(check)), strings.Join(sel, ", "), a.res.Packages)
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

// modernizeSummary says how far the code lags its go version: how many
// places a modernizer would rewrite, in how many files, and which
// modernizers fire most.
func (a *analysisRun) modernizeSummary(n int) string {
	if n == 0 {
		return fmt.Sprintf("the code is up to date with its go line: no modernizer (%d) fires over %d packages", len(a.analyzerNames(lint.CheckModernize)), a.res.Packages)
	}
	by := map[string]int{}
	files := map[string]bool{}
	for _, d := range a.res.Diagnostics {
		if r, ok := a.rules[d.Analyzer]; ok && r.Check == lint.CheckModernize {
			by[d.Analyzer]++
			files[d.File] = true
		}
	}
	names := make([]string, 0, len(by))
	for k := range by {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if by[names[i]] != by[names[j]] {
			return by[names[i]] > by[names[j]]
		}
		return names[i] < names[j]
	})
	var top []string
	for i, k := range names {
		if i == 4 {
			break
		}
		top = append(top, fmt.Sprintf("%s %d", k, by[k]))
	}
	return fmt.Sprintf("%d places in %d files lag the module's go line (%s); go fix -diff ./... shows the rewrite", n, len(files), strings.Join(top, ", "))
}

// IsVetTool reports whether this process was started by go vet as gocap's
// vet tool (see VetToolMain); main calls VetToolMain first thing then.
func IsVetTool() bool { return lint.IsVetTool() }

// VetToolMain serves go vet's -vettool protocol with gocap's analyzers
// (the lint legs run them this way: go vet -vettool=<this binary>); errOut
// receives its own complaints (main passes os.Stderr). It never returns.
func VetToolMain(errOut io.Writer) { lint.VetToolMain(errOut) }

// EnableVetTool tells the lint legs that this binary's main calls
// VetToolMain when IsVetTool, so they run go vet -vettool with it without
// probing it first.
func EnableVetTool() { lint.EnableVetTool() }
