// Package checkcmd is `gocap check`.
package checkcmd

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/internal/pipeline"
	"github.com/gocap/gocap/reports"
)

// Options of gocap check.
type Options struct {
	IO *iostreams.IOStreams
	// Checks is the explicit list of checks (cmd/gocap's), in report order.
	Checks     []*checks.Check
	Dir        string
	Patterns   []string
	Only       []string
	Skip       []string
	Output     cmdutil.OutputSpec
	MinScore   float64
	FailOn     string
	Timeout    time.Duration
	BenchTime  string
	BenchCount int

	// CI gate and configuration (gocap check only; see Prepare and Process).
	ConfigPath   string // --config: explicit .gocap.yaml
	NoConfig     bool   // --no-config: ignore .gocap.yaml files
	BaselinePath string // --baseline OLD.json
	FailOnNew    bool
	MaxScoreDrop float64 // negative: off
	NewFromRev   string
	ShardSpec    string // --shard I/N
	Shard        int
	Shards       int
	// GitHubActions, set from GITHUB_ACTIONS=true, adds ::error annotations
	// on stderr; Workspace (GITHUB_WORKSPACE) makes their paths repo-relative.
	GitHubActions bool
	Workspace     string
	// Changed reports whether a flag was given (flags override the config).
	Changed func(name string) bool

	// Labs are run after the checks (gocap run): their own report section,
	// never the module's score.
	Labs []labs.Lab

	prepared *prepared
}

// NewCmd builds the command over the explicit list of checks; runF replaces
// the work in tests.
func NewCmd(ios *iostreams.IOStreams, list []*checks.Check, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: ios, Checks: list}
	var format string
	cmd := &cobra.Command{
		Use:   "check [PATTERN...]",
		Short: "Check a Go module: vet, gofmt, tidy, races, escapes, profiles, errors, logging",
		Long: `Check a Go module and score its engineering capability.

The legs run concurrently: vet (the go vet suite plus nilness and unusedwrite,
in process), fmt, tidy, race (go test -race), escape (compiler -json
diagnostics), pprof (benchmarks with CPU and allocation profiles), errors and
logging. Every point lost is tied to findings with a hint. A package that
does not build makes the grade F; a failing, panicking, timed-out or racing
test caps it at C (blockers).

Exit codes: 0 ok, 1 gate failed (a blocker by default; --fail-on,
--min-score, --fail-on-new, --max-score-drop), 2 bad input or usage, 3 a tool
or gocap failed, or --timeout / Ctrl-C cut the run short (the report is still
written with what was finished).`,
		Example: `  gocap check
  gocap check ./pkg/... --checks vet,fmt
  gocap check --format json --out report.json --min-score 80`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Changed = c.Flags().Changed
			if err := opts.Finish(args, format); err != nil {
				return err
			}
			if err := opts.Prepare(c.Context()); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return Run(c.Context(), opts)
		},
	}
	AddFlags(cmd.Flags(), opts, &format)
	opts.GitHubActions = os.Getenv("GITHUB_ACTIONS") == "true"
	opts.Workspace = os.Getenv("GITHUB_WORKSPACE")
	return cmd
}

// AddFlags registers gocap check's flags on f (gocap run shares them);
// opts.Checks must be set (the --checks help lists them).
func AddFlags(f *pflag.FlagSet, opts *Options, format *string) {
	f.StringVarP(&opts.Dir, "dir", "C", ".", "run in this folder (inside the module)")
	f.StringSliceVar(&opts.Only, "checks", nil, "run only these checks (comma list): "+strings.Join(checks.IDs(opts.Checks), ","))
	f.StringSliceVar(&opts.Skip, "skip", nil, "skip these checks (comma list)")
	f.StringVar(format, "format", "terminal", "output formats, comma list: "+strings.Join(reports.FormatNames(), ","))
	f.StringVarP(&opts.Output.Out, "out", "o", "", "write to this file (one format) or folder (report.EXT per format) instead of stdout")
	f.Float64Var(&opts.MinScore, "min-score", 0, "exit 1 when the overall score is below N (0-100)")
	f.StringVar(&opts.FailOn, "fail-on", "", "exit 1 on a finding this severe or worse: error|warning, or none (report only); default: on a blocker")
	f.DurationVar(&opts.Timeout, "timeout", 10*time.Minute, "time limit for the whole check")
	f.StringVar(&opts.BenchTime, "bench-time", checks.DefaultBenchTime, "-benchtime for the benchmark legs (allocations do not depend on it; for timings to compare use 1s with --bench-count 10)")
	f.IntVar(&opts.BenchCount, "bench-count", 1, "-count for the pprof leg (repeat runs for statistics)")
	f.StringVar(&opts.ConfigPath, "config", "", "read this config file instead of finding .gocap.yaml")
	f.BoolVar(&opts.NoConfig, "no-config", false, "ignore .gocap.yaml files")
	f.StringVar(&opts.BaselinePath, "baseline", "", "compare with an earlier report (gocap JSON): findings become new, unchanged or fixed")
	f.BoolVar(&opts.FailOnNew, "fail-on-new", false, "exit 1 when a finding is new since --baseline (with --fail-on: only new ones that severe)")
	f.Float64Var(&opts.MaxScoreDrop, "max-score-drop", -1, "exit 1 when the score fell more than N points below --baseline's (-1: no limit)")
	f.StringVar(&opts.NewFromRev, "new-from-rev", "", "keep only findings on lines changed since this git revision (working tree included)")
	f.StringVar(&opts.ShardSpec, "shard", "", "check only shard I of N of the packages (I/N, e.g. 2/4); join the reports with gocap report merge")
}

// Finish sets the patterns and formats and validates the options.
func (o *Options) Finish(args []string, format string) error {
	o.Patterns = args
	fs, err := cmdutil.ParseFormats(format)
	if err != nil {
		return err
	}
	o.Output.Formats = fs
	return o.Validate()
}

// Validate checks flags before any work starts.
func (o *Options) Validate() error {
	if o.MinScore < 0 || o.MinScore > 100 {
		return cmdutil.Usagef("--min-score %v: use a number from 0 to 100", o.MinScore)
	}
	if err := pipeline.ParseFailOn(o.FailOn); err != nil {
		return err
	}
	if o.Timeout <= 0 {
		return cmdutil.Usagef("--timeout %v: use a positive duration such as 10m", o.Timeout)
	}
	if o.BenchCount < 1 {
		return cmdutil.Usagef("--bench-count %d: use 1 or more", o.BenchCount)
	}
	if _, err := time.ParseDuration(o.BenchTime); err != nil && !isCountBenchTime(o.BenchTime) {
		return cmdutil.Usagef("--bench-time %q: use a duration (100ms) or a count (50x)", o.BenchTime)
	}
	if _, err := checks.Select(o.Checks, o.Only, o.Skip); err != nil {
		return err
	}
	if o.ShardSpec != "" {
		i, n, err := ParseShard(o.ShardSpec)
		if err != nil {
			return err
		}
		o.Shard, o.Shards = i, n
	}
	if (o.FailOnNew || o.changed("max-score-drop")) && o.BaselinePath == "" {
		return cmdutil.Usagef("--fail-on-new and --max-score-drop compare with a baseline: add --baseline OLD.json")
	}
	return o.Output.Validate()
}

// ParseShard parses I/N with 1 <= I <= N.
func ParseShard(s string) (int, int, error) {
	var i, n int
	if _, err := fmt.Sscanf(s, "%d/%d", &i, &n); err != nil || fmt.Sprintf("%d/%d", i, n) != s || n < 1 || i < 1 || i > n {
		return 0, 0, cmdutil.Usagef("--shard %q: use I/N with 1 <= I <= N, e.g. 1/4", s)
	}
	return i, n, nil
}

func isCountBenchTime(s string) bool {
	var n int
	_, err := fmt.Sscanf(s, "%dx", &n)
	return err == nil && n > 0
}

// Run runs the pipeline, writes the report (also when --timeout or Ctrl-C
// cut the run short) and applies the gates.
func Run(ctx context.Context, o *Options) error {
	if o.prepared == nil {
		if err := o.Prepare(ctx); err != nil {
			return err
		}
	}
	prog := cmdutil.NewProgress(o.IO)
	cfg := o.prepared.cfg
	cfg.Progress = prog.Update
	res, err := pipeline.Run(ctx, cfg)
	prog.Done()
	if err != nil {
		return err
	}
	if err := emit(o, res); err != nil {
		return err
	}
	if res.Cut != nil {
		return res.Cut
	}
	return res.Gate()
}
