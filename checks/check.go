// Package checks holds gocap's checks: each is a small value with an ID, docs and
// a Run function returning findings and data, like an x/tools analysis.Analyzer.
// Checks never print and never import cobra; Run returns an error only when the
// check itself could not run (a finding is not an error).
package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/reports"
)

// Check is one leg of gocap check.
type Check struct {
	// ID is the short name used in --checks/--skip and in findings.
	ID string
	// Name is a human title.
	Name string
	// Doc: first line a lowercase title, then what the check does and its
	// known false positives.
	Doc string
	// URL documents the check's rules.
	URL string
	// Measures lists the dimensions this check measures (reports.Dim*).
	Measures []string
	// Needs says which packages the check can measure at all: a package
	// without what it needs (tests, benchmarks) is not measured by it, so it
	// is not scored as clean.
	Needs Need
	// OptIn checks run only when --checks (or the config's checks list)
	// names them: they run the module's tests or benchmarks a second time.
	OptIn bool
	// Run does the work.
	Run func(ctx context.Context, env *Env) (*Result, error)
}

// Need is what a package must have for a check to measure it.
type Need int

// Needs.
const (
	NeedSource     Need = iota // every selected package
	NeedTests                  // packages with test files
	NeedBenchmarks             // packages with benchmarks
)

// Result is what a check returns. A check whose ctx ends returns what it
// had seen so far with ctx.Err(): RunAll reports it as timeout or
// interrupted with those findings.
type Result struct {
	Findings []reports.Finding
	Summary  string
	// Skipped, with Summary saying why, marks a check that had nothing to
	// measure (no tests, no benchmarks): its dimensions are "not measured".
	Skipped bool
	// Failed marks a check that ran but whose subject failed as a whole
	// (e.g. a test binary that did not build); findings say why.
	Races      []reports.Race
	Benchmarks []reports.Benchmark
	Profiles   []reports.ProfileTop
	Escapes    []reports.Escape
	Artifacts  []reports.Artifact
	// NotMeasured lists selected packages the check could not measure
	// (beyond those its Needs rule out) and why: they are not scored as clean.
	NotMeasured []reports.NotMeasured
}

// Env is shared by the checks of one run.
type Env struct {
	// Dir is the module root (absolute).
	Dir string
	// Module is the module path from go.mod.
	Module string
	// GoVersion is the go line of go.mod.
	GoVersion string
	// Patterns are the package patterns, relative to Dir (default ./...).
	Patterns []string
	// OutDir, when set, receives artifacts (profiles). Otherwise a temp dir is used.
	OutDir string
	// BenchTime is passed to -benchtime (default DefaultBenchTime).
	BenchTime string
	// BenchCount is passed to -count for benchmarks (default 1).
	BenchCount int
	// Timeout bounds each go test run.
	Timeout time.Duration
	// Progress, when set, receives short status lines.
	Progress func(check, msg string)
	// Analysis configures the analyzers (errcheck, staticcheck).
	Analysis AnalysisOptions

	// GoTmp, when set, is the go command's GOTMPDIR: Run makes it and
	// removes it after every leg, so the work folders of a go command killed
	// on Ctrl-C or a timeout (which it cannot remove itself) go too.
	GoTmp string

	mu   sync.Mutex
	memo map[string]*memoEntry
}

// DefaultBenchTime is the benchmark legs' -benchtime unless a run says
// otherwise. The pprof leg measures allocations, which do not depend on the
// time (the profile rate is chosen per benchmark, see TargetAllocSamples):
// 20 ms gives a benchmark of a few microseconds thousands of iterations, for
// a quarter of what 100 ms costs on a module with many benchmarks. Its ns/op
// are a rough figure; for timings to compare use --bench-time 1s
// --bench-count 10 (docs/checks-runtime.md, "Bench time").
const DefaultBenchTime = "20ms"

type memoEntry struct {
	once sync.Once
	fn   func() (any, error) // set by provide
	val  any
	err  error
}

// Memo runs fn once per key for this Env and returns its result to every
// caller; checks use it to share one package load or one profile run.
func (e *Env) Memo(key string, fn func() (any, error)) (any, error) {
	e.mu.Lock()
	if e.memo == nil {
		e.memo = map[string]*memoEntry{}
	}
	m := e.memo[key]
	if m == nil {
		m = &memoEntry{}
		e.memo[key] = m
	}
	e.mu.Unlock()
	m.once.Do(func() {
		if m.fn != nil {
			fn = m.fn // provided
		}
		m.val, m.err = fn()
	})
	return m.val, m.err
}

// provide makes fn key's producer: the first Memo(key) runs it instead of
// its own fn. It does not run fn now.
func (e *Env) provide(key string, fn func() (any, error)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.memo == nil {
		e.memo = map[string]*memoEntry{}
	}
	e.memo[key] = &memoEntry{fn: fn}
}

func (e *Env) progress(check, msg string) {
	if e.Progress != nil {
		e.Progress(check, msg)
	}
}

// Select picks from all (the explicit list of checks gocap runs, in report
// order) by --checks and --skip lists. Unknown IDs are a usage error.
func Select(all []*Check, only, skip []string) ([]*Check, error) {
	known := map[string]*Check{}
	for _, c := range all {
		known[c.ID] = c
	}
	for _, id := range append(append([]string{}, only...), skip...) {
		if known[id] == nil {
			return nil, fmt.Errorf("%w: unknown check %q: known checks are %s", cmdutil.ErrUsage, id, strings.Join(IDs(all), ","))
		}
	}
	skipSet := map[string]bool{}
	for _, id := range skip {
		skipSet[id] = true
	}
	onlySet := map[string]bool{}
	for _, id := range only {
		onlySet[id] = true
	}
	var out []*Check
	for _, c := range all {
		if (onlySet[c.ID] || len(only) == 0 && !c.OptIn) && !skipSet[c.ID] {
			out = append(out, c)
		}
	}
	return out, nil
}

// IDs returns the IDs of cs, in order (for help texts and messages).
func IDs(cs []*Check) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// RunAll runs the checks concurrently (they are independent; shared work goes
// through Env.Memo) and returns their outcomes in the given order.
func RunAll(ctx context.Context, env *Env, cs []*Check) ([]reports.Check, *Result) {
	out := make([]reports.Check, len(cs))
	results := make([]*Result, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			env.progress(c.ID, "running")
			res, err := runOne(ctx, env, c)
			rc := reports.Check{ID: c.ID, Name: c.Name, URL: c.URL, Measures: c.Measures, DurationMS: time.Since(start).Milliseconds()}
			switch {
			case err != nil && ctx.Err() != nil:
				// Cut off: keep what the leg had seen.
				rc.Status = reports.StatusInterrupted
				rc.Summary = "interrupted"
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					rc.Status = reports.StatusTimeout
					rc.Summary = "cut off by the time limit"
				}
				if res != nil {
					rc.Findings = res.Findings
					if res.Summary != "" {
						rc.Summary += ": " + res.Summary
					}
				} else {
					rc.Summary += " before it reported anything"
				}
			case err != nil:
				rc.Status = reports.StatusError
				rc.Summary = err.Error()
			case res.Skipped:
				rc.Status = reports.StatusSkipped
				rc.Summary = res.Summary
			default:
				rc.Status = reports.StatusPass
				rc.Summary = res.Summary
				rc.Findings = res.Findings
				for _, f := range res.Findings {
					if f.Severity == reports.SevError {
						rc.Status = reports.StatusFail
					}
				}
			}
			if rc.Findings == nil {
				rc.Findings = []reports.Finding{}
			}
			for j := range rc.Findings {
				if rc.Findings[j].Check == "" {
					rc.Findings[j].Check = c.ID
				}
			}
			reports.SortFindings(rc.Findings)
			if res != nil && len(res.NotMeasured) > 0 {
				rc.Coverage = &reports.Coverage{NotMeasured: res.NotMeasured}
			}
			out[i] = rc
			results[i] = res
			env.progress(c.ID, "done: "+string(rc.Status))
		}()
	}
	wg.Wait()
	merged := &Result{}
	for _, r := range results {
		if r == nil {
			continue
		}
		merged.Races = append(merged.Races, r.Races...)
		merged.Benchmarks = append(merged.Benchmarks, r.Benchmarks...)
		merged.Profiles = append(merged.Profiles, r.Profiles...)
		merged.Escapes = append(merged.Escapes, r.Escapes...)
		merged.Artifacts = append(merged.Artifacts, r.Artifacts...)
	}
	return out, merged
}

func runOne(ctx context.Context, env *Env, c *Check) (res *Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error in check %s: %v", c.ID, p)
		}
	}()
	res, err = c.Run(ctx, env)
	if err == nil && res == nil {
		res = &Result{}
	}
	if err == nil && ctx.Err() != nil && !res.Skipped {
		// A leg that returned without noticing its ctx ended ran short all
		// the same.
		err = ctx.Err()
	}
	return res, err
}
