// Package pipeline owns one gocap run, from a Config to a verdict: select
// packages → checks → labs → excludes and //gocap:ignore → --new-from-rev →
// score once → baseline → gate. The commands (gocap check, gocap run, gocap
// workshop) translate their flags into a Config, call Run, render the
// Result's report and return Result.Gate's error; they hold no pipeline step
// of their own, so nothing is scored twice.
//
//	res, err := pipeline.Run(ctx, pipeline.Config{Dir: ".", Checks: legs})
//	if err != nil { return err }          // bad input, or a tool failed
//	render(res.Report)                    // always, even when res.Cut != nil
//	if res.Cut != nil { return res.Cut }  // --timeout or Ctrl-C: exit 3
//	return res.Gate()                     // nil, or a *cmdutil.GateError (exit 1)
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/config"
	"github.com/gocap/gocap/internal/gitdiff"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/internal/suppress"
	"github.com/gocap/gocap/reports"
)

// Config is everything one run needs. The zero value of an optional field
// means "off" or the documented default.
type Config struct {
	// Dir is any folder inside the module (default ".").
	Dir string
	// Patterns are package patterns relative to Dir (default ./...).
	Patterns []string
	// Checks is the explicit list of checks to choose from, in report order
	// (cmd/gocap passes its list); Only and Skip select among them.
	Checks     []*checks.Check
	Only, Skip []string
	// Labs are run after the checks, in order (gocap run). They are reported
	// in their own section and never move the module's score.
	Labs []labs.Lab

	OutDir     string // artifacts (profiles) beside the report; "" a temp folder
	BenchTime  string // -benchtime of the pprof leg (default checks.DefaultBenchTime)
	BenchCount int    // -count of the pprof leg (default 1)
	// Timeout bounds the checks (default 10m). When it passes, the finished
	// legs are kept, the others are reported with status timeout and what
	// they had seen, and Result.Cut is set.
	Timeout time.Duration
	// Shard and Shards restrict the run to shard I of N of the packages.
	Shard, Shards int

	// Project is the loaded .gocap.yaml (excludes, per-rule settings), or nil.
	Project *config.Config
	// Weights override dimension weights (from .gocap.yaml).
	Weights map[string]float64
	// NewFromRev keeps only findings on lines changed since this git revision.
	NewFromRev string
	// Baseline, when set, is compared with the run (BaselinePath names it).
	Baseline     *reports.Report
	BaselinePath string
	// Gate is applied by Result.Gate.
	Gate Gate

	// Progress, when set, receives short status lines (task, message).
	Progress func(task, msg string)
}

// Result is the outcome of a run.
type Result struct {
	// Report is scored and compared with the baseline; render it.
	Report *reports.Report
	// Root is the module root (for renderers' code context and paths).
	Root string
	// Cut is non-nil when --timeout passed (a tool error naming the limit)
	// or the run was interrupted (context.Canceled): Report holds what the
	// legs had seen; the caller renders it and returns Cut (exit 3).
	Cut error

	gate Gate
}

// Gate applies the configured gate to the report (see Verdict).
func (r *Result) Gate() error { return Verdict(r.Report, r.gate) }

// Run performs one run. It returns an error (and no result) for bad input or
// a tool failure before the checks could report; a deadline or an interrupt
// during the checks is not an error of Run but Result.Cut.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Dir == "" {
		cfg.Dir = "."
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if len(cfg.Checks) == 0 {
		return nil, cmdutil.Usagef("no checks to run: the pipeline needs the list of checks")
	}
	if err := cfg.Gate.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var files []string
	analysis := checks.AnalysisFrom(cfg.Project)
	// The functions the project's golangci-lint configuration says
	// errcheck may skip (they cannot fail) are skipped here too.
	analysis.ErrcheckExclude = append(analysis.ErrcheckExclude, suppress.GolangciErrcheckExcludes(moduleRoot(cfg.Dir))...)
	rep, err := checks.Run(runCtx, checks.Options{Dir: cfg.Dir, Patterns: cfg.Patterns, Checks: cfg.Checks, Only: cfg.Only, Skip: cfg.Skip,
		OutDir: cfg.OutDir, BenchTime: cfg.BenchTime, BenchCount: cfg.BenchCount, Timeout: cfg.Timeout, Progress: cfg.Progress,
		Shard: cfg.Shard, Shards: cfg.Shards, Files: &files, Analysis: analysis})
	res := &Result{gate: cfg.Gate}
	if err != nil {
		if rep == nil || runCtx.Err() == nil {
			if runCtx.Err() != nil {
				return nil, cutError(ctx, cfg.Timeout)
			}
			return nil, err
		}
		res.Cut = cutError(ctx, cfg.Timeout)
	}
	res.Report = rep
	res.Root = moduleRoot(cfg.Dir)
	// What follows is quick and must finish for the report to be written,
	// even after the deadline or an interrupt.
	post := context.WithoutCancel(ctx)
	if res.Cut == nil && len(cfg.Labs) > 0 {
		if err := runLabs(runCtx, cfg, rep); err != nil {
			if runCtx.Err() == nil {
				return nil, err
			}
			res.Cut = cutError(ctx, cfg.Timeout)
		}
	}
	if err := process(post, cfg, res.Root, files, rep); err != nil {
		return nil, err
	}
	rep.DurationMS = time.Since(start).Milliseconds()
	return res, nil
}

// cutError says why the run was cut short: the caller's context ended
// (Ctrl-C: context.Canceled) or --timeout passed.
func cutError(parent context.Context, timeout time.Duration) error {
	if parent.Err() != nil {
		return parent.Err()
	}
	return cmdutil.Toolf("gocap did not finish within --timeout %v: the report holds the finished legs and what the others had seen; raise --timeout or narrow the pattern", timeout)
}

func moduleRoot(dir string) string {
	root, _, _, err := modinfo.FindModule(dir)
	if err != nil {
		return ""
	}
	return root
}

// process applies, in order: vendor/generated/config excludes,
// //gocap:ignore directives (and staticcheck's and golangci-lint's), the
// exclusion rules of the project's golangci-lint configuration, --new-from-rev, the score (once, with the
// config's weights), the Memory headline, and the baseline comparison.
func process(ctx context.Context, cfg Config, root string, files []string, rep *reports.Report) error {
	suppress.Filter(rep, root, cfg.Project)
	ds, err := suppress.Scan(root, files)
	if err != nil {
		return cmdutil.Toolf("reading //gocap:ignore directives: %v", err)
	}
	suppress.QuietExcluded(ds, cfg.Project)
	suppress.Apply(rep, ds, checks.AnalysisFrom(cfg.Project).StaticcheckSelected())
	rules, gcfg, err := suppress.GolangciRules(root)
	if err != nil {
		return cmdutil.Usagef("%v: fix it or move it away; gocap honours its exclusion rules", err)
	}
	suppress.ApplyRules(rep, rules, gcfg)
	if cfg.NewFromRev != "" {
		ch, err := gitdiff.Changed(ctx, root, cfg.NewFromRev)
		if err != nil {
			if errors.Is(err, gitdiff.ErrBadRev) {
				return cmdutil.Usagef("--new-from-rev: %v", err)
			}
			return cmdutil.Toolf("--new-from-rev: %v", err)
		}
		reports.FilterFindings(rep, func(f reports.Finding) bool {
			if f.Line == 0 {
				_, ok := ch[f.File]
				return ok
			}
			return ch.Contains(f.File, f.Line)
		})
	}
	reports.Score(rep, cfg.Weights)
	checks.MemoryHeadline(rep)
	if cfg.Baseline != nil {
		reports.CompareBaseline(rep, cfg.Baseline, cfg.BaselinePath)
	}
	return nil
}

// runLabs runs the labs into rep, each in a private temp folder.
func runLabs(ctx context.Context, cfg Config, rep *reports.Report) error {
	for _, l := range cfg.Labs {
		if err := ctx.Err(); err != nil {
			return err
		}
		dir, err := os.MkdirTemp("", "gocap-lab-"+l.ID+"-")
		if err != nil {
			return cmdutil.Toolf("temp dir for lab %s: %v", l.ID, err)
		}
		task := "lab " + l.ID
		progress(cfg, task, "running")
		res := l.Run(ctx, labs.Options{WorkDir: dir, Progress: func(m string) { progress(cfg, task, m) }})
		progress(cfg, task, "done")
		if err := os.RemoveAll(dir); err != nil {
			// The lab's result stands; the user should still hear of the leftover.
			progress(cfg, task, fmt.Sprintf("cannot remove its temp folder: %v", err))
		}
		if res.ID == "" {
			res.ID = l.ID
		}
		if res.Dimension == "" {
			res.Dimension = l.Dimension
		}
		if res.Name == "" {
			res.Name = l.Name
		}
		rep.Labs = append(rep.Labs, res)
	}
	return ctx.Err()
}

func progress(cfg Config, task, msg string) {
	if cfg.Progress != nil {
		cfg.Progress(task, msg)
	}
}
