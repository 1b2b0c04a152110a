package mtlscmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/termtext"
	"github.com/gocap/gocap/mtls"
)

// InspectOptions of gocap mtls inspect.
type InspectOptions struct {
	*Common
	File       string
	BundleFile string
	// TrustDomain is the bundle's trust domain (--trust-domain); zero: the
	// one its CA names.
	TrustDomain spiffeid.TrustDomain
	At          time.Time
}

// NewCmdInspect builds `gocap mtls inspect`.
func NewCmdInspect(common *Common, runF func(context.Context, *InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{Common: common}
	var td string
	cmd := &cobra.Command{
		Use:   "inspect FILE.pem",
		Short: "Check each X509-SVID rule on a certificate or chain, saying why it fails",
		Long: `Check every X509-SVID rule of the SPIFFE spec on a PEM certificate or chain
(leaf first): one URI SAN holding a SPIFFE ID with a non-root path, leaf not
a CA, critical KeyUsage with digitalSignature and without keyCertSign or
cRLSign, EKU serverAuth+clientAuth when present, validity, signing
certificates, and path validation to a trust bundle (--bundle FILE, or the
bundle of --workload-api).

A bundle belongs to one trust domain: the one its CA names in its
spiffe://TRUST-DOMAIN URI SAN, or --trust-domain for roots that name none.
A leaf claiming another trust domain fails, whoever signed it.
Exit 1 when a rule fails, 2 for a malformed file.`,
		Example: `  gocap mtls inspect svid.pem
  gocap mtls inspect svid.pem --bundle root.pem --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.File = args[0]
			if err := opts.resolveAddr(); err != nil {
				return err
			}
			if td != "" {
				var err error
				if opts.TrustDomain, err = parseTD("trust-domain", td); err != nil {
					return err
				}
			}
			opts.At = time.Now()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return classify(RunInspect(c.Context(), opts))
		},
	}
	cmd.Flags().StringVar(&opts.BundleFile, "bundle", "", "PEM file of the trust domain's root certificates")
	cmd.Flags().StringVar(&td, "trust-domain", "", "trust domain of the bundle (default: the one its CA names in its spiffe:// URI SAN; never the leaf's)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the verdicts as JSON")
	return cmd
}

// RunInspect inspects the file and prints the verdicts.
func RunInspect(ctx context.Context, o *InspectOptions) error {
	b, err := cmdutil.ReadInput(o.File, "a PEM certificate or chain, leaf first")
	if err != nil {
		return err
	}
	certs, err := mtls.ParsePEMChain(b)
	if err != nil {
		return cmdutil.Usagef("%s: %v", o.File, err)
	}
	var in *mtls.Inspection
	switch {
	case o.BundleFile != "":
		roots, err := mtls.LoadBundleFile(o.BundleFile)
		if err != nil {
			return cmdutil.Usagef("--bundle %s: %v", o.BundleFile, err)
		}
		bundle, err := mtls.NewBundle(o.TrustDomain, roots)
		if err != nil {
			if !o.TrustDomain.IsZero() {
				return cmdutil.Usagef("--trust-domain %s, --bundle %s: %v", o.TrustDomain, o.BundleFile, err)
			}
			return cmdutil.Usagef("--bundle %s: %v", o.BundleFile, err)
		}
		in = mtls.InspectChain(certs, bundle, o.At)
	case o.WorkloadAPI != "":
		if err := mtls.CheckAddr(o.WorkloadAPI); err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		set, err := workloadapi.FetchX509Bundles(wctx, workloadapi.WithAddr(o.WorkloadAPI))
		cancel()
		if err != nil {
			return &mtls.WorkloadAPIError{Addr: o.WorkloadAPI, Err: err}
		}
		in = mtls.InspectChainSet(certs, set, o.TrustDomain, o.At)
	default:
		in = mtls.InspectChain(certs, nil, o.At)
	}
	if o.JSON {
		if err := writeJSON(o.IO.Out, in); err != nil {
			return err
		}
	} else {
		w := errwriter.New(o.IO.Out)
		for i, c := range in.Chain {
			role := "signer"
			if i == 0 {
				role = "leaf  "
			}
			w.Printf("%s\n", termtext.Wrap(o.IO.Width(), fmt.Sprintf("%s %d  ", role, i+1), fmt.Sprintf("%s  serial %s  CA=%v  URIs %v  DNS %v  not after %s", c.Subject, short(c.Serial), c.IsCA, c.URIs, c.DNSNames, c.NotAfter.UTC().Format(time.RFC3339)), 10))
		}
		printVerdicts(w, o.IO.Width(), in.Verdicts)
		if err := w.Err(); err != nil {
			return err
		}
	}
	if !in.OK() {
		return &cmdutil.VerdictError{Msg: fmt.Sprintf("%s is not a conforming X509-SVID (see the FAIL lines)", o.File)}
	}
	return nil
}
