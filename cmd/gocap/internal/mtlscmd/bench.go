package mtlscmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/termtext"
	"github.com/gocap/gocap/mtls"
)

// BenchOptions of gocap mtls bench.
type BenchOptions struct {
	*Common
	Bench mtls.BenchOptions
}

// NewCmdBench builds `gocap mtls bench`.
func NewCmdBench(common *Common, runF func(context.Context, *BenchOptions) error) *cobra.Command {
	opts := &BenchOptions{Common: common}
	var td string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "mTLS handshakes at a steady rate through SVID rotations",
		Long: `Handshakes between a server and a client workload at a steady rate while the
issuer rotates their SVIDs (every 45% of --svid-ttl): reports handshakes/s,
p50/p99 latency, rotations seen and failed handshakes. Exit 1 when any
handshake failed (the goal is 0).`,
		Example: `  gocap mtls bench
  gocap mtls bench --rate 500 --duration 2m --svid-ttl 20s --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var err error
			b := &opts.Bench
			if b.TrustDomain, err = parseTD("trust-domain", td); err != nil {
				return err
			}
			if b.Rate < 1 || b.Rate > 10000 {
				return cmdutil.Usagef("--rate %d: use 1 to 10000 handshakes per second", b.Rate)
			}
			if b.Duration < time.Second {
				return cmdutil.Usagef("--duration %s: use at least 1s", b.Duration)
			}
			if err := checkTTL(b.SVIDTTL); err != nil {
				return err
			}
			if err := opts.resolveAddr(); err != nil {
				return err
			}
			b.WorkloadAPI = opts.WorkloadAPI
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return classify(RunBench(c.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&td, "trust-domain", "example.org", "trust domain of the embedded issuer")
	f.IntVar(&opts.Bench.Rate, "rate", 200, "handshakes per second")
	f.DurationVar(&opts.Bench.Duration, "duration", 60*time.Second, "how long to run")
	f.DurationVar(&opts.Bench.SVIDTTL, "svid-ttl", 10*time.Second, "SVID lifetime of the embedded issuer (rotation at 45%)")
	f.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	return cmd
}

// RunBench runs the bench and prints it.
func RunBench(ctx context.Context, o *BenchOptions) (err error) {
	b := o.Bench
	dir, cleanup, err := workDir(b.WorkloadAPI, "bench")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	b.WorkDir = dir
	if b.WorkloadAPI == "" {
		if exp := float64(b.Duration) / (0.45 * float64(b.SVIDTTL)); exp < 5 {
			o.IO.Statusf("note: about %.0f rotations expected; use --duration >= %s for five\n", exp, time.Duration(5*0.45*float64(b.SVIDTTL)).Round(time.Second))
		}
	}
	prog := cmdutil.NewProgress(o.IO)
	b.Progress = func(m string) { prog.Update("bench", m) }
	res, err := mtls.RunBench(ctx, b)
	prog.Done()
	if err != nil {
		return err
	}
	if o.JSON {
		if err := writeJSON(o.IO.Out, res); err != nil {
			return err
		}
	} else {
		w := errwriter.New(o.IO.Out)
		width := o.IO.Width()
		field(w, width, "Workload API", res.WorkloadAPI)
		field(w, width, "Handshakes", fmt.Sprintf("%d ok, %d failed of %d in %s: %.1f/s (target %d/s)", res.Succeeded, res.Failed, res.Attempted, res.Elapsed.Round(time.Millisecond), res.PerSecond, b.Rate))
		field(w, width, "Latency", fmt.Sprintf("p50 %s  p99 %s  max %s  (dial + handshake + first answer)", ms(res.P50), ms(res.P99), ms(res.Max)))
		field(w, width, "TLS handshake", fmt.Sprintf("p50 %s  p99 %s  (client side)", ms(res.HandshakeP50), ms(res.HandshakeP99)))
		rot := fmt.Sprintf("%d server SVIDs and %d client SVIDs rotated under load", res.ServerRotations, res.ClientRotations)
		if res.IssuerRotations > 0 {
			rot += fmt.Sprintf(" (issuer pushed %d)", res.IssuerRotations)
		}
		field(w, width, "Rotations", rot)
		for _, e := range res.Errors {
			w.Printf("%s\n", termtext.Wrap(width, "  failure: ", e, 11))
		}
		if err := w.Err(); err != nil {
			return err
		}
	}
	if res.Failed > 0 {
		return &cmdutil.VerdictError{Msg: fmt.Sprintf("mtls bench: %d handshakes failed (goal 0)", res.Failed)}
	}
	return nil
}
