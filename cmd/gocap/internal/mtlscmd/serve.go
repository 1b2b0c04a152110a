package mtlscmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/mtls"
)

// ServeOptions of gocap mtls serve.
type ServeOptions struct {
	*Common
	TrustDomain spiffeid.TrustDomain
	Socket      string
	CADir       string
	SVIDTTL     time.Duration
	EntriesFile string
	Entries     []mtls.Entry
	// Ready, when set, is called once the socket listens (tests).
	Ready func(addr string)
}

// NewCmdServe builds `gocap mtls serve`.
func NewCmdServe(common *Common, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{Common: common}
	var td string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the embedded SPIFFE issuer and Workload API on a Unix socket",
		Long: `Run an embedded SPIFFE issuer: a CA (ECDSA P-256 root and intermediate, keys
0600 in --ca-dir) and a Workload API server on a Unix socket (folder 0700).
Callers are attested by their socket peer credentials (uid, gid, pid) and get
the X509-SVIDs (and JWT-SVIDs) of every registration entry they match.
A fresh SVID is pushed before the old one reaches half its lifetime.

Entries file (--entries), JSON:
  {"entries": [{"spiffe_id": "spiffe://example.org/web", "selectors": ["unix:uid:1000"]}]}
Without it: spiffe://TD/server and spiffe://TD/client for your uid.

Runs until interrupted (Ctrl-C), then removes the socket.`,
		Example: `  gocap mtls serve
  gocap mtls serve --trust-domain corp.test --svid-ttl 10m --entries entries.json
  gocap mtls serve --socket /run/gocap/api.sock &
  gocap mtls demo --workload-api unix:///run/gocap/api.sock`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var err error
			if opts.TrustDomain, err = parseTD("trust-domain", td); err != nil {
				return err
			}
			if err := checkTTL(opts.SVIDTTL); err != nil {
				return err
			}
			if err := opts.resolveAddr(); err != nil {
				return err
			}
			if !c.Flags().Changed("socket") && opts.WorkloadAPI != "" {
				opts.Socket = strings.TrimPrefix(opts.WorkloadAPI, "unix://")
			}
			if !filepath.IsAbs(opts.Socket) {
				abs, err := filepath.Abs(opts.Socket)
				if err != nil {
					return cmdutil.Usagef("--socket %s: %v", opts.Socket, err)
				}
				opts.Socket = abs
			}
			if opts.CADir == "" {
				opts.CADir = filepath.Join(filepath.Dir(opts.Socket), "ca-"+opts.TrustDomain.Name())
			}
			if opts.EntriesFile != "" {
				es, err := mtls.LoadEntries(opts.EntriesFile, opts.TrustDomain)
				if err != nil {
					return cmdutil.Usagef("--entries: %v", err)
				}
				opts.Entries = es
			} else {
				opts.Entries = mtls.DefaultEntries(opts.TrustDomain, os.Getuid())
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return classify(RunServe(c.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&td, "trust-domain", "example.org", "trust domain of the issuer")
	f.StringVar(&opts.Socket, "socket", mtls.DefaultSocket(), "Unix socket path of the Workload API (its folder is made 0700)")
	f.StringVar(&opts.CADir, "ca-dir", "", "folder of the CA certificates and keys (default: ca-TD beside the socket)")
	f.DurationVar(&opts.SVIDTTL, "svid-ttl", time.Hour, "X509-SVID lifetime")
	f.StringVar(&opts.EntriesFile, "entries", "", "registration entries JSON file")
	return cmd
}

// RunServe serves until ctx ends.
// Everything is checked before anything is written: a refused socket
// leaves no CA folder behind.
func RunServe(ctx context.Context, o *ServeOptions) error {
	if _, err := mtls.CheckSocket(o.Socket); err != nil {
		return cmdutil.Usagef("%v", err)
	}
	ca, created, err := mtls.LoadOrCreateCA(o.CADir, o.TrustDomain)
	if err != nil {
		return cmdutil.Usagef("--ca-dir: %v", err)
	}
	srv, err := mtls.Listen(mtls.ServerConfig{CA: ca, Entries: o.Entries, SVIDTTL: o.SVIDTTL, Socket: o.Socket,
		OnRotate: func(id spiffeid.ID, serial string) {
			o.IO.Statusf("%s rotated %s -> serial %s\n", time.Now().UTC().Format(time.TimeOnly), id, short(serial))
		}})
	if err != nil {
		return cmdutil.Usagef("%v", err)
	}
	how := "loaded"
	if created {
		how = "created"
	}
	o.IO.Statusf("gocap mtls serve: trust domain %s, CA %s in %s (root serial %s)\n", ca.TrustDomain(), how, o.CADir, short(ca.Root().SerialNumber.Text(16)))
	for _, e := range o.Entries {
		o.IO.Statusf("  entry %s <- %s\n", e.ID(), strings.Join(e.Selectors, " "))
	}
	o.IO.Statusf("Workload API listening on %s (SVID TTL %s); Ctrl-C stops\n", srv.Addr(), o.SVIDTTL)
	o.IO.Statusf("  export SPIFFE_ENDPOINT_SOCKET=%s\n", srv.Addr())
	if o.Ready != nil {
		o.Ready(srv.Addr())
	}
	return srv.Serve(ctx)
}
