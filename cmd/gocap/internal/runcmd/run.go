// Package runcmd is `gocap run`: gocap check on the current module plus every
// registered hands-on lab, one scored report.
package runcmd

import (
	"context"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/cmd/gocap/internal/checkcmd"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

// Registered lists the labs gocap run performs, in report order.
var Registered []labs.Lab

// Options of gocap run.
type Options struct {
	Check  checkcmd.Options
	Labs   []string // empty: all
	NoLabs bool
}

// NewCmd builds the command; runF replaces the work in tests.
func NewCmd(ios *iostreams.IOStreams, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{}
	opts.Check.IO = ios
	var format string
	cmd := &cobra.Command{
		Use:   "run [PATTERN...]",
		Short: "Run gocap check plus every hands-on lab (eBPF, WASM, mTLS) into one report",
		Long: `Run gocap check on the current module and every registered hands-on lab
(eBPF probes, WebAssembly sandbox, SPIFFE mTLS), scored into one report.

Takes every flag of gocap check (config, baseline and gates included).
The eBPF lab needs root; without it its steps are skipped with the reason.
Exit codes as gocap check.`,
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
				if !known(id) {
					return cmdutil.Usagef("--labs: unknown lab %q: known labs are %v", id, ids())
				}
			}
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
	cmd.Flags().StringSliceVar(&opts.Labs, "labs", nil, "run only these labs (comma list): "+strings.Join(ids(), ","))
	cmd.Flags().BoolVar(&opts.NoLabs, "no-labs", false, "skip the hands-on labs")
	opts.Check.GitHubActions = os.Getenv("GITHUB_ACTIONS") == "true"
	opts.Check.Workspace = os.Getenv("GITHUB_WORKSPACE")
	return cmd
}

func known(id string) bool { return slices.Contains(ids(), id) }

func ids() []string {
	var out []string
	for _, l := range Registered {
		out = append(out, l.ID)
	}
	return out
}

// Run performs the check, then the labs, and writes one report.
func Run(ctx context.Context, o *Options) error {
	o.Check.AfterCollect = func(ctx context.Context, rep *reports.Report) error {
		if o.NoLabs {
			return nil
		}
		return RunLabs(ctx, o.Check.IO, o.Labs, rep)
	}
	return checkcmd.Run(ctx, &o.Check)
}

// RunLabs runs the registered labs (all, or those named in only) into rep.
func RunLabs(ctx context.Context, ios *iostreams.IOStreams, only []string, rep *reports.Report) error {
	prog := cmdutil.NewProgress(ios)
	defer prog.Done()
	// The report's duration covers the labs too.
	start := time.Now()
	defer func() { rep.DurationMS += time.Since(start).Milliseconds() }()
	for _, l := range Registered {
		if len(only) > 0 && !slices.Contains(only, l.ID) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		dir, err := os.MkdirTemp("", "gocap-lab-"+l.ID+"-")
		if err != nil {
			return cmdutil.Toolf("temp dir for lab %s: %v", l.ID, err)
		}
		prog.Update("lab "+l.ID, "running")
		res := l.Run(ctx, labs.Options{WorkDir: dir, Progress: func(m string) { prog.Update("lab "+l.ID, m) }})
		prog.Update("lab "+l.ID, "done")
		if err := os.RemoveAll(dir); err != nil {
			// The lab's result stands; the user should still hear of the leftover.
			ios.Statusf("gocap: lab %s: cannot remove its temp folder: %v\n", l.ID, err)
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
