package mtlscmd

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/mtls"
)

// SVIDOptions of gocap mtls svid.
type SVIDOptions struct {
	*Common
	// Write is the folder to write the files into (--write).
	Write string
	// CADir and ID mint an SVID with a gocap mtls serve CA instead of
	// fetching one from a Workload API.
	CADir   string
	ID      spiffeid.ID
	SVIDTTL time.Duration
	Timeout time.Duration
}

// NewCmdSVID builds `gocap mtls svid`.
func NewCmdSVID(common *Common, runF func(context.Context, *SVIDOptions) error) *cobra.Command {
	opts := &SVIDOptions{Common: common}
	var id string
	cmd := &cobra.Command{
		Use:   "svid [--write DIR]",
		Short: "Fetch this workload's X509-SVIDs and bundles, and write them as spire-agent does",
		Long: `Fetch the X509-SVIDs (chain and key) and trust bundles a Workload API issues to
this workload, or mint one with the CA folder of gocap mtls serve
(--ca-dir and --id), and list them. With --write DIR, write them the way
spire-agent api fetch x509 -write DIR does, for inspect and other tools:

  svid.N.pem                SVID N's chain, leaf first
  svid.N.key                its private key (PKCS#8, mode 0600)
  bundle.N.pem              its trust domain's root certificates
  federated_bundle.N.M.pem  other trust domains' roots (sorted by name)

Each SVID must chain to its own trust domain's bundle; nothing is written
otherwise. The Workload API is --workload-api, else $SPIFFE_ENDPOINT_SOCKET,
else the gocap mtls serve socket.`,
		Example: `  gocap mtls svid --write ./svid
  gocap mtls inspect ./svid/svid.0.pem --bundle ./svid/bundle.0.pem
  gocap mtls svid --workload-api unix:///run/spire/agent.sock --write /tmp/svid --json
  gocap mtls svid --ca-dir /tmp/gocap-mtls-0/ca-example.org --id spiffe://example.org/web --write ./web`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.resolveAddr(); err != nil {
				return err
			}
			switch {
			case opts.CADir != "" && id == "":
				return cmdutil.Usagef("--ca-dir mints an SVID: say for which ID with --id spiffe://TRUST-DOMAIN/PATH")
			case id != "" && opts.CADir == "":
				return cmdutil.Usagef("--id names the SVID to mint with --ca-dir: give --ca-dir too (a Workload API chooses the IDs itself)")
			case id != "":
				ids, err := parseIDs("id", []string{id})
				if err != nil {
					return err
				}
				opts.ID = ids[0]
				if err := checkTTL(opts.SVIDTTL); err != nil {
					return err
				}
			case opts.WorkloadAPI == "":
				opts.WorkloadAPI = mtls.DefaultAddr()
			}
			if st, err := os.Stat(opts.Write); opts.Write != "" && err == nil && !st.IsDir() {
				return cmdutil.Usagef("--write %s is a file: give a folder (it is created when missing)", opts.Write)
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return classify(RunSVID(c.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Write, "write", "", "folder to write svid.N.pem, svid.N.key, bundle.N.pem into")
	f.StringVar(&opts.CADir, "ca-dir", "", "CA folder of gocap mtls serve: mint an SVID with it (with --id)")
	f.StringVar(&id, "id", "", "SPIFFE ID of the SVID to mint with --ca-dir")
	f.DurationVar(&opts.SVIDTTL, "svid-ttl", time.Hour, "lifetime of a minted SVID")
	f.DurationVar(&opts.Timeout, "timeout", 15*time.Second, "how long to wait for the Workload API's first SVID")
	f.BoolVar(&opts.JSON, "json", false, "print the SVIDs (and files written) as JSON")
	return cmd
}

// RunSVID fetches (or mints) the SVIDs, writes them when asked and lists them.
func RunSVID(ctx context.Context, o *SVIDOptions) error {
	var (
		svids   []*x509svid.SVID
		bundles *x509bundle.Set
		err     error
	)
	if o.CADir != "" {
		var sv *x509svid.SVID
		if sv, bundles, err = mtls.MintSVID(o.CADir, o.ID, o.SVIDTTL); err != nil {
			return err
		}
		svids = []*x509svid.SVID{sv}
	} else if svids, bundles, err = mtls.FetchSVIDs(ctx, o.WorkloadAPI, o.Timeout); err != nil {
		return err
	}
	var list []mtls.SVIDFile
	if o.Write != "" {
		if list, err = mtls.WriteSVIDFiles(o.Write, svids, bundles); err != nil {
			return cmdutil.Toolf("--write %s: %v", o.Write, err)
		}
	} else {
		for _, sv := range svids {
			list = append(list, mtls.SVIDFile{ID: sv.ID.String(), Serial: sv.Certificates[0].SerialNumber.Text(16), NotAfter: sv.Certificates[0].NotAfter})
		}
	}
	if o.JSON {
		return writeJSON(o.IO.Out, list)
	}
	w := errwriter.New(o.IO.Out)
	for i, s := range list {
		field(w, o.IO.Width(), fmt.Sprintf("SVID %d", i), fmt.Sprintf("%s  serial %s  not after %s", s.ID, short(s.Serial), s.NotAfter.UTC().Format(time.RFC3339)))
		for _, f := range s.Files {
			field(w, o.IO.Width(), "", f)
		}
	}
	return w.Err()
}
