// Package reportcmd is `gocap report`: render a saved report in another
// format, merge the reports of sharded runs, and diff two reports
// (benchmarks with significance, profile shares, findings) as a CI gate.
package reportcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/internal/atomicfile"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/reports"
)

// NewCmd builds `gocap report` and its subcommands; runF is unused (each
// subcommand has its own, see NewCmdRender, NewCmdMerge, NewCmdDiff).
func NewCmd(ios *iostreams.IOStreams, _ func(context.Context, *RenderOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Render, merge and diff saved gocap reports (JSON)",
		Long: `Work with reports saved by gocap check --format json.

  render  write a saved report as html, md, sarif, junit, github, terminal or json
  merge   join the reports of sharded runs (gocap check --shard I/N) into one
  diff    compare two reports: benchmarks (with a significance test), profile
          shares and findings; exit 1 beyond the thresholds`,
	}
	cmd.AddCommand(NewCmdRender(ios, nil), NewCmdMerge(ios, nil), NewCmdDiff(ios, nil))
	return cmd
}

// readReports reads every report, or returns one usage error naming the bad file.
func readReports(paths []string) ([]*reports.Report, error) {
	var out []*reports.Report
	for _, p := range paths {
		r, err := reports.ReadFile(p)
		if err != nil {
			return nil, cmdutil.Usagef("%v", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// moduleRoot returns the root of the module in the current folder when it
// is the report's module (code context for html), else "".
func moduleRoot(r *reports.Report) string {
	root, mod, _, err := modinfo.FindModule(".")
	if err != nil || mod != r.Module {
		return ""
	}
	return root
}

// setOutput validates --format and --out before any work.
func setOutput(o *cmdutil.OutputSpec, format string) error {
	fs, err := cmdutil.ParseFormats(format)
	if err != nil {
		return err
	}
	o.Formats = fs
	return o.Validate()
}

// ---- render ----

// RenderOptions of gocap report render.
type RenderOptions struct {
	IO     *iostreams.IOStreams
	Input  string
	Output cmdutil.OutputSpec
	Root   string
	// PathPrefix is the module's folder in its repository, for SARIF and
	// GitHub annotations of a module that is not at the repository root.
	PathPrefix string
}

// NewCmdRender builds `gocap report render`.
func NewCmdRender(ios *iostreams.IOStreams, runF func(context.Context, *RenderOptions) error) *cobra.Command {
	opts := &RenderOptions{IO: ios}
	var format string
	cmd := &cobra.Command{
		Use:   "render REPORT.json",
		Short: "Write a saved report in other formats",
		Example: `  gocap report render report.json --format html --out report.html
  gocap report render report.json --format sarif,junit --out reports/
  gocap report render report.json --format md >> "$GITHUB_STEP_SUMMARY"`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Input = args[0]
			if err := setOutput(&opts.Output, format); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return Render(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&format, "format", "terminal", "output formats, comma list: "+strings.Join(reports.FormatNames(), ","))
	cmd.Flags().StringVarP(&opts.Output.Out, "out", "o", "", "file (one format), folder (report.EXT per format) or FORMAT=PATH,… (default stdout)")
	cmd.Flags().StringVar(&opts.Root, "root", "", "module root for code context in html (default: the current module when it is the report's)")
	cmd.Flags().StringVar(&opts.PathPrefix, "path-prefix", "", "the module's folder within its repository, prefixed to paths in sarif and github output")
	return cmd
}

// Render reads a report and writes it in the requested formats.
func Render(_ context.Context, o *RenderOptions) error {
	rs, err := readReports([]string{o.Input})
	if err != nil {
		return err
	}
	r := rs[0]
	root := o.Root
	if root == "" {
		root = moduleRoot(r)
	}
	paths, err := o.Output.Write(o.IO, r, reports.RenderOptions{Color: o.IO.ColorEnabled(), Width: o.IO.Width(), Root: root, PathPrefix: o.PathPrefix})
	for _, p := range paths {
		o.IO.Statusf("wrote %s\n", p)
	}
	return err
}

// ---- merge ----

// MergeOptions of gocap report merge.
type MergeOptions struct {
	IO     *iostreams.IOStreams
	Inputs []string
	Output cmdutil.OutputSpec
}

// NewCmdMerge builds `gocap report merge`.
func NewCmdMerge(ios *iostreams.IOStreams, runF func(context.Context, *MergeOptions) error) *cobra.Command {
	opts := &MergeOptions{IO: ios}
	var format string
	cmd := &cobra.Command{
		Use:   "merge A.json B.json...",
		Short: "Join the reports of one module's shards into one, re-scored",
		Long: `Join reports of one module — typically the shards of a CI matrix run with
gocap check --shard I/N — into one: the union of checks, findings, races,
benchmarks, profiles and labs without duplicates, re-scored. Reports of
different modules are refused.`,
		Example: `  gocap report merge shard-*/report.json --out report.json
  gocap report merge a.json b.json --format json,html,sarif --out merged/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Inputs = args
			if err := setOutput(&opts.Output, format); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return Merge(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "output formats, comma list: "+strings.Join(reports.FormatNames(), ","))
	cmd.Flags().StringVarP(&opts.Output.Out, "out", "o", "", "file (one format), folder or FORMAT=PATH,… (default stdout)")
	return cmd
}

// Merge reads the reports, merges and writes the result.
func Merge(_ context.Context, o *MergeOptions) error {
	rs, err := readReports(o.Inputs)
	if err != nil {
		return err
	}
	m, err := reports.Merge(o.Inputs, rs)
	if err != nil {
		if errors.Is(err, reports.ErrModuleMismatch) {
			return cmdutil.Usagef("%s", strings.TrimPrefix(err.Error(), reports.ErrModuleMismatch.Error()+": "))
		}
		return cmdutil.Usagef("%v", err)
	}
	paths, err := o.Output.Write(o.IO, m, reports.RenderOptions{Color: o.IO.ColorEnabled(), Width: o.IO.Width(), Root: moduleRoot(m)})
	for _, p := range paths {
		o.IO.Statusf("wrote %s\n", p)
	}
	return err
}

// ---- diff ----

// DiffOptions of gocap report diff.
type DiffOptions struct {
	IO       *iostreams.IOStreams
	Old, New string
	Format   string
	Out      string
	Diff     reports.DiffOptions
}

// percent is a flag value accepting "2%" or "2".
type percent struct{ v *float64 }

func (p percent) String() string {
	if p.v == nil || *p.v == 0 {
		return ""
	}
	return strconv.FormatFloat(*p.v, 'g', -1, 64) + "%"
}
func (p percent) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a percentage: use e.g. 2%% or 0.5", s)
	}
	*p.v = v
	return nil
}
func (p percent) Type() string { return "percent" }

// NewCmdDiff builds `gocap report diff`.
func NewCmdDiff(ios *iostreams.IOStreams, runF func(context.Context, *DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Compare two reports; exit 1 on a significant regression beyond a threshold",
		Long: `Compare two reports of one module:

- benchmarks: ns/op, B/op and allocs/op, medians of the repeated runs
  (gocap check --bench-count N; 10 or more advised) compared with the
  Mann–Whitney U test of golang.org/x/perf/benchmath, as benchstat does;
- the functions whose share of the CPU or allocation profile grew;
- findings, new and fixed (matched by fingerprint, not line).

Exit 1 when a metric grew significantly (p <= alpha) by more than its
threshold; a change that is not significant never fails the gate.`,
		Example: `  gocap report diff main.json pr.json --max-alloc-increase 2% --max-time-increase 5%
  gocap report diff main.json pr.json --format md >> "$GITHUB_STEP_SUMMARY"`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			if !slices.Contains(reports.DiffFormats, opts.Format) {
				return cmdutil.Usagef("--format %q: use one of %s", opts.Format, strings.Join(reports.DiffFormats, ", "))
			}
			if a := opts.Diff.Alpha; a <= 0 || a >= 1 {
				return cmdutil.Usagef("--alpha %v: use a level between 0 and 1, e.g. 0.05", a)
			}
			if opts.Out != "" {
				spec := cmdutil.OutputSpec{Formats: []string{"json"}, Out: opts.Out}
				if strings.Contains(opts.Out, "=") || cmdutil.IsDir(opts.Out) {
					return cmdutil.Usagef("--out %s: give one file path", opts.Out)
				}
				if err := spec.Validate(); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return Diff(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Format, "format", "terminal", "output format: "+strings.Join(reports.DiffFormats, ", "))
	f.StringVarP(&opts.Out, "out", "o", "", "write to this file instead of stdout")
	f.Var(percent{&opts.Diff.MaxTimeIncrease}, "max-time-increase", "fail when ns/op grew significantly by more than this (e.g. 5%)")
	f.Var(percent{&opts.Diff.MaxBytesIncrease}, "max-bytes-increase", "fail when B/op grew significantly by more than this")
	f.Var(percent{&opts.Diff.MaxAllocIncrease}, "max-alloc-increase", "fail when allocs/op grew significantly by more than this (e.g. 2%)")
	f.Float64Var(&opts.Diff.Alpha, "alpha", 0.05, "significance level of the Mann–Whitney U test")
	return cmd
}

// Diff compares the reports, writes the comparison and gates.
func Diff(_ context.Context, o *DiffOptions) error {
	rs, err := readReports([]string{o.Old, o.New})
	if err != nil {
		return err
	}
	if rs[0].Module != rs[1].Module {
		return cmdutil.Usagef("%s is of module %q but %s is of %q: diff two reports of one module", o.New, rs[1].Module, o.Old, rs[0].Module)
	}
	d := reports.Diff(o.Old, rs[0], o.New, rs[1], o.Diff)
	ro := reports.RenderOptions{Color: o.IO.ColorEnabled() && o.Out == "", Width: o.IO.Width()}
	write := func(w io.Writer) error { return reports.RenderDiff(w, d, o.Format, ro) }
	if o.Out != "" {
		if err := atomicfile.WriteFunc(o.Out, 0o644, write); err != nil {
			return err
		}
		o.IO.Statusf("wrote %s\n", o.Out)
	} else if err := write(o.IO.Out); err != nil {
		return err
	}
	if n := len(d.Failures); n > 0 {
		shown := d.Failures
		if n > 3 {
			shown = append(shown[:3:3], fmt.Sprintf("and %d more (listed above)", n-3))
		}
		return &cmdutil.GateError{Reason: strings.Join(shown, "; ")}
	}
	return nil
}
