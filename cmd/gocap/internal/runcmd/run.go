// Package runcmd is `gocap run`: gocap check on the current module plus every
// registered hands-on lab, one scored report.
package runcmd

import (
	"context"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/checks"
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
	Check   checkcmd.Options
	Labs    []string // empty: all
	NoLabs  bool
	NoCheck bool
}

// NewCmd builds the command.
func NewCmd(ios *iostreams.IOStreams, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{}
	opts.Check.IO = ios
	var format string
	cmd := &cobra.Command{
		Use:   "run [PATTERN...]",
		Short: "Run gocap check plus every hands-on lab (eBPF, WASM, mTLS) into one report",
		Long: `Run gocap check on the current module and every registered hands-on lab
(eBPF probes, WebAssembly sandbox, SPIFFE mTLS), scored into one report.

Exit codes as gocap check.`,
		RunE: func(c *cobra.Command, args []string) error {
			if err := opts.Check.Finish(args, format); err != nil {
				return err
			}
			for _, id := range opts.Labs {
				if !known(id) {
					return cmdutil.Usagef("--labs: unknown lab %q", id)
				}
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return Run(c.Context(), opts)
		},
	}
	checkcmd.AddFlags(cmd.Flags(), &opts.Check, &format)
	cmd.Flags().StringSliceVar(&opts.Labs, "labs", nil, "run only these labs (comma list)")
	cmd.Flags().BoolVar(&opts.NoLabs, "no-labs", false, "skip the hands-on labs")
	cmd.Flags().BoolVar(&opts.NoCheck, "no-check", false, "skip gocap check, run only the labs")
	return cmd
}

func known(id string) bool {
	for _, l := range Registered {
		if l.ID == id {
			return true
		}
	}
	return false
}

// Run performs the check and the labs and writes the report.
func Run(ctx context.Context, o *Options) error {
	var rep *reports.Report
	start := time.Now()
	if !o.NoCheck {
		r, err := checkcmd.Collect(ctx, &o.Check)
		if err != nil {
			return err
		}
		rep = r
	} else {
		rep = &reports.Report{SchemaVersion: reports.SchemaVersion, Tool: reports.Tool{Name: "gocap", Version: versionOf()}, Module: "(labs only)", Started: start.UTC(), Checks: []reports.Check{}}
	}
	if !o.NoLabs {
		prog := cmdutil.NewProgress(o.Check.IO)
		for _, l := range Registered {
			if len(o.Labs) > 0 && !contains(o.Labs, l.ID) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "gocap-lab-"+l.ID+"-")
			if err != nil {
				return cmdutil.Toolf("temp dir: %v", err)
			}
			prog.Update("lab "+l.ID, "running")
			res := l.Run(ctx, labs.Options{WorkDir: dir, Progress: func(m string) { prog.Update("lab "+l.ID, m) }})
			prog.Update("lab "+l.ID, "done")
			os.RemoveAll(dir)
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
		prog.Done()
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	reports.Score(rep, nil)
	rep.DurationMS = time.Since(start).Milliseconds()
	return checkcmd.Emit(o.Check.IO, rep, o.Check.Output, o.Check.Dir, o.Check.MinScore, o.Check.FailOn)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func versionOf() string { return checks.Version }
