// Package runcmd is `gocap run`: gocap check on the current module plus the
// hands-on labs, one report (the labs in their own section, never in the
// module's score).
package runcmd

import (
	"context"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/cmd/gocap/internal/checkcmd"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/labs"
)

// Options of gocap run.
type Options struct {
	Check checkcmd.Options
	// All is the explicit list of labs (cmd/gocap's), in report order.
	All    []labs.Lab
	Labs   []string // empty: all
	NoLabs bool
}

// NewCmd builds the command over the explicit lists of checks and labs;
// runF replaces the work in tests.
func NewCmd(ios *iostreams.IOStreams, checkList []*checks.Check, labList []labs.Lab, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{All: labList}
	opts.Check.IO = ios
	opts.Check.Checks = checkList
	var format string
	cmd := &cobra.Command{
		Use:   "run [PATTERN...]",
		Short: "Run gocap check plus every hands-on lab (eBPF, WASM, mTLS) into one report",
		Long: `Run gocap check on the current module and the hands-on labs (` + strings.Join(ids(labList), ", ") + `)
into one report.

The labs describe this machine and gocap's own samples, not the module: they
have their own section with their own pass counts and never move the
module's score or grade. Takes every flag of gocap check (config, baseline
and gates included). The eBPF lab needs root and Linux; without them its
steps are skipped with the reason. Exit codes as gocap check.`,
		Example: `  gocap run
  gocap run --labs wasm,mtls
  gocap run --no-labs --checks vet,fmt
  gocap run --format json --out report.json --min-score 80`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Check.Changed = c.Flags().Changed
			if err := opts.Check.Finish(args, format); err != nil {
				return err
			}
			for _, id := range opts.Labs {
				if !slices.Contains(ids(opts.All), id) {
					return cmdutil.Usagef("--labs: unknown lab %q: known labs are %s", id, strings.Join(ids(opts.All), ","))
				}
			}
			opts.Check.Labs = opts.selected()
			if err := opts.Check.Prepare(c.Context()); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return Run(c.Context(), opts)
		},
	}
	checkcmd.AddFlags(cmd.Flags(), &opts.Check, &format)
	cmd.Flags().StringSliceVar(&opts.Labs, "labs", nil, "run only these labs (comma list): "+strings.Join(ids(labList), ","))
	cmd.Flags().BoolVar(&opts.NoLabs, "no-labs", false, "skip the hands-on labs")
	opts.Check.GitHubActions = os.Getenv("GITHUB_ACTIONS") == "true"
	opts.Check.Workspace = os.Getenv("GITHUB_WORKSPACE")
	return cmd
}

// selected returns the labs to run: none with --no-labs, those named by
// --labs, else all.
func (o *Options) selected() []labs.Lab {
	if o.NoLabs {
		return nil
	}
	var out []labs.Lab
	for _, l := range o.All {
		if len(o.Labs) == 0 || slices.Contains(o.Labs, l.ID) {
			out = append(out, l)
		}
	}
	return out
}

func ids(ls []labs.Lab) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

// Run performs the check and the labs through the pipeline and writes one report.
func Run(ctx context.Context, o *Options) error { return checkcmd.Run(ctx, &o.Check) }
