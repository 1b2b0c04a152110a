package mtlscmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/termtext"
	"github.com/gocap/gocap/mtls"
)

// DemoOptions of gocap mtls demo.
type DemoOptions struct {
	*Common
	Demo mtls.DemoOptions
}

// NewCmdDemo builds `gocap mtls demo`.
func NewCmdDemo(common *Common, runF func(context.Context, *DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{Common: common}
	var td, serverID, clientID string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Issuer, server and client workloads, an mTLS handshake by SPIFFE ID, and the refusals",
		Long: `Start the embedded issuer (or use --workload-api), a server workload and a
client workload that each get their X509-SVID through go-spiffe's
workloadapi.X509Source, and do an mTLS handshake authorizing each peer by
SPIFFE ID. Prints both SVIDs, the handshake and its latency, then the
handshakes the server refuses: another trust domain, an unauthorized ID, no
client certificate and, with the embedded issuer, a leaf claiming another
trust domain signed by the issuer's own CA. Exit 1 when a refusal was
accepted.`,
		Example: `  gocap mtls demo
  gocap mtls demo --workload-api unix:///tmp/spire/agent.sock --server-id spiffe://example.org/server --client-id spiffe://example.org/client`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var err error
			if opts.Demo.TrustDomain, err = parseTD("trust-domain", td); err != nil {
				return err
			}
			if err := opts.resolveAddr(); err != nil {
				return err
			}
			opts.Demo.WorkloadAPI = opts.WorkloadAPI
			ids, err := parseIDs("server-id", nonEmpty(serverID))
			if err != nil {
				return err
			}
			if len(ids) == 1 {
				opts.Demo.ServerID = ids[0]
			}
			if ids, err = parseIDs("client-id", nonEmpty(clientID)); err != nil {
				return err
			}
			if len(ids) == 1 {
				opts.Demo.ClientID = ids[0]
			}
			if opts.WorkloadAPI == "" {
				// The embedded issuer registers the two IDs, in its own trust domain.
				for _, f := range []struct {
					flag string
					id   spiffeid.ID
				}{{"server-id", opts.Demo.ServerID}, {"client-id", opts.Demo.ClientID}} {
					if !f.id.IsZero() && f.id.TrustDomain() != opts.Demo.TrustDomain {
						return cmdutil.Usagef("--%s %s is not in trust domain %s (--trust-domain): the embedded issuer issues for one trust domain", f.flag, f.id, opts.Demo.TrustDomain)
					}
				}
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return classify(RunDemo(c.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&td, "trust-domain", "example.org", "trust domain of the embedded issuer")
	f.StringVar(&serverID, "server-id", "", "SPIFFE ID of the server workload (default spiffe://TD/server)")
	f.StringVar(&clientID, "client-id", "", "SPIFFE ID of the client workload (default spiffe://TD/client)")
	f.DurationVar(&opts.Demo.SourceTimeout, "timeout", 15*time.Second, "how long to wait for the first SVID")
	f.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	return cmd
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// field prints a labelled line of the mtls commands ("Latency       …"),
// wrapping its text under the text column.
func field(w *errwriter.Writer, width int, label, text string) {
	w.Printf("%s\n", termtext.Wrap(width, fmt.Sprintf("%-13s ", label), text, 14))
}

// RunDemo runs the demo and prints it.
func RunDemo(ctx context.Context, o *DemoOptions) (err error) {
	dir, cleanup, err := workDir(o.Demo.WorkloadAPI, "demo")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	o.Demo.WorkDir = dir
	res, err := mtls.RunDemo(ctx, o.Demo)
	if err != nil {
		return err
	}
	if o.JSON {
		if err := writeJSON(o.IO.Out, res); err != nil {
			return err
		}
	} else {
		w := errwriter.New(o.IO.Out)
		width := o.IO.Width() // long lines wrap under their column
		src := "external"
		if res.Embedded {
			src = "embedded issuer"
		}
		w.Printf("Workload API  %s (%s)\n", res.WorkloadAPI, src)
		for _, s := range []struct {
			name string
			v    mtls.SVIDInfo
		}{{"Server SVID", res.Server}, {"Client SVID", res.Client}} {
			field(w, width, s.name, fmt.Sprintf("%s  serial %s  not after %s", s.v.ID, s.v.Serial, s.v.NotAfter.UTC().Format(time.RFC3339)))
		}
		h := res.Handshake
		w.Printf("Handshake     %s  %s  peer %s\n", h.Version, h.CipherSuite, h.PeerID)
		w.Printf("Latency       TLS handshake %s, dial to first answer %s\n", ms(h.Handshake), ms(h.Total))
		w.Printf("Server said   %q\n", h.Reply)
		w.Println("Refusals")
		for _, r := range res.Refusals {
			mark := "refused "
			if !r.Refused {
				mark = "ACCEPTED"
			}
			w.Printf("%s\n", termtext.Wrap(width, fmt.Sprintf("  %s  ", mark), fmt.Sprintf("%s (presented %s)", r.Name, r.Presented), 12))
			if r.ServerErr != "" {
				w.Printf("%s\n", termtext.Wrap(width, "            server: ", r.ServerErr, 20))
			}
			if r.ClientErr != "" {
				w.Printf("%s\n", termtext.Wrap(width, "            client: ", r.ClientErr, 20))
			}
		}
		if err := w.Err(); err != nil {
			return err
		}
	}
	if !res.OK() {
		return &cmdutil.VerdictError{Msg: "mtls demo: a handshake that must be refused was accepted (see ACCEPTED above)"}
	}
	return nil
}
