package mtlscmd

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/termtext"
	"github.com/gocap/gocap/mtls"
)

// ProbeOptions of gocap mtls probe.
type ProbeOptions struct {
	*Common
	BundleFile string
	Probe      mtls.ProbeOptions
}

// NewCmdProbe builds `gocap mtls probe`.
func NewCmdProbe(common *Common, runF func(context.Context, *ProbeOptions) error) *cobra.Command {
	opts := &ProbeOptions{Common: common}
	var serverID, td string
	var authorized, unauthorized []string
	cmd := &cobra.Command{
		Use:   "probe HOST:PORT",
		Short: "Judge a running mTLS service against each SPIFFE rule, with evidence",
		Long: `Connect to a running mTLS service several times and judge each rule:
the server presents a conforming X509-SVID chaining to the bundle, negotiates
TLS 1.3, requires a client certificate, accepts an authorized client,
refuses a client of another trust domain, a client claiming another trust
domain signed by this one's CA, an unauthorized SPIFFE ID (--unauthorized)
and an expired client SVID. A refusal is inconclusive (skipped) when the
service refused the authorized client too.

Trust and client identities come from --bundle FILE (PEM roots),
--workload-api (bundle and this workload's SVIDs) and --ca-dir (the folder
of a gocap mtls serve CA: the probe mints its own authorized, unauthorized
and expired SVIDs). A bundle is one trust domain's: the one its CA names
(or --trust-domain); a server claiming another fails server-svid. With
none, the local gocap mtls serve socket is used.
Exit 1 when a rule fails.`,
		Example: `  gocap mtls probe 127.0.0.1:8443 --bundle root.pem
  gocap mtls probe svc:443 --workload-api unix:///run/spire/agent.sock --expect-authorized spiffe://example.org/client --unauthorized spiffe://example.org/intruder
  gocap mtls probe 127.0.0.1:8443 --ca-dir /tmp/gocap-mtls-0/ca-example.org --unauthorized spiffe://example.org/intruder`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			p := &opts.Probe
			if _, port, err := net.SplitHostPort(args[0]); err != nil || port == "" {
				return cmdutil.Usagef("%q is not HOST:PORT", args[0])
			}
			p.Addr = args[0]
			if err := opts.resolveAddr(); err != nil {
				return err
			}
			p.WorkloadAPI = opts.WorkloadAPI
			var bundleTD spiffeid.TrustDomain
			if td != "" {
				var err error
				if bundleTD, err = parseTD("trust-domain", td); err != nil {
					return err
				}
			}
			if opts.BundleFile != "" {
				certs, err := mtls.LoadBundleFile(opts.BundleFile)
				if err != nil {
					return cmdutil.Usagef("--bundle %s: %v", opts.BundleFile, err)
				}
				if p.Bundle, err = mtls.NewBundle(bundleTD, certs); err != nil {
					if td != "" {
						return cmdutil.Usagef("--trust-domain %s, --bundle %s: %v", td, opts.BundleFile, err)
					}
					return cmdutil.Usagef("--bundle %s: %v", opts.BundleFile, err)
				}
			} else if td != "" {
				return cmdutil.Usagef("--trust-domain %s names the trust domain of --bundle FILE: give --bundle too", td)
			}
			if opts.BundleFile == "" && p.WorkloadAPI == "" && p.CADir == "" {
				p.WorkloadAPI = mtls.DefaultAddr()
			}
			ids, err := parseIDs("server-id", nonEmpty(serverID))
			if err != nil {
				return err
			}
			if len(ids) == 1 {
				p.ServerID = ids[0]
			}
			if p.Authorized, err = parseIDs("expect-authorized", authorized); err != nil {
				return err
			}
			if p.Unauthorized, err = parseIDs("unauthorized", unauthorized); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return classify(RunProbe(c.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.BundleFile, "bundle", "", "PEM file of the trust domain's root certificates")
	f.StringVar(&td, "trust-domain", "", "trust domain of --bundle (default: the one its CA names in its spiffe:// URI SAN; never the server's claim)")
	f.StringVar(&opts.Probe.CADir, "ca-dir", "", "CA folder of gocap mtls serve: mint test SVIDs with it")
	f.StringVar(&serverID, "server-id", "", "SPIFFE ID the server must present")
	f.StringSliceVar(&authorized, "expect-authorized", nil, "SPIFFE IDs the service must accept (the first is the probe's identity)")
	f.StringSliceVar(&unauthorized, "unauthorized", nil, "SPIFFE IDs the service must refuse")
	f.DurationVar(&opts.Probe.Wait, "wait", time.Second, "how long an accepted connection is watched for a late refusal")
	f.BoolVar(&opts.JSON, "json", false, "print the verdicts as JSON")
	return cmd
}

// RunProbe probes and prints the verdicts.
func RunProbe(ctx context.Context, o *ProbeOptions) error {
	res, err := mtls.Probe(ctx, o.Probe)
	if err != nil {
		return err
	}
	if o.JSON {
		if err := writeJSON(o.IO.Out, res); err != nil {
			return err
		}
	} else {
		w := errwriter.New(o.IO.Out)
		w.Printf("%s presents %s\n", res.Addr, orNone(res.ServerID))
		printVerdicts(w, o.IO.Width(), res.Verdicts)
		if err := w.Err(); err != nil {
			return err
		}
	}
	if !res.OK() {
		return &cmdutil.VerdictError{Msg: fmt.Sprintf("%s breaks SPIFFE mTLS rules (see the FAIL lines)", res.Addr)}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "no SPIFFE ID"
	}
	return s
}

// printVerdicts lists the verdicts; a write error is kept in w.
func printVerdicts(w *errwriter.Writer, width int, vs []mtls.Verdict) {
	pass, fail, skip := 0, 0, 0
	for _, v := range vs {
		mark := "PASS"
		switch v.Status {
		case mtls.Fail:
			mark = "FAIL"
			fail++
		case mtls.Skip:
			mark = "skip"
			skip++
		default:
			pass++
		}
		w.Printf("%s\n", termtext.Wrap(width, fmt.Sprintf("  %s  %-26s ", mark, v.Rule), v.Title, 35))
		if v.Evidence != "" {
			w.Printf("%s\n", termtext.Wrap(width, "        ", v.Evidence, 8))
		}
	}
	w.Printf("%d passed, %d failed, %d skipped\n", pass, fail, skip)
}
