// Package mtlscmd is `gocap mtls`: the embedded SPIFFE issuer and Workload
// API (serve), an mTLS demo, a rotation-under-load bench, a conformance
// probe for running services, an X509-SVID inspector and an SVID writer
// (svid --write, as spire-agent api fetch x509 -write). The work lives in
// package mtls; these commands parse flags and print.
package mtlscmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/mtls"
)

// Common are the flags every mtls command shares.
type Common struct {
	IO *iostreams.IOStreams
	// WorkloadAPI is --workload-api (unix:///abs/path); empty when not given.
	WorkloadAPI string
	JSON        bool
}

// NewCmd builds `gocap mtls` and its subcommands.
func NewCmd(ios *iostreams.IOStreams, _ any) *cobra.Command {
	common := &Common{IO: ios}
	cmd := &cobra.Command{
		Use:   "mtls",
		Short: "SPIFFE mTLS: embedded issuer + Workload API, demo, rotation bench, probe, inspect, svid",
		Long: `SPIFFE mTLS hands-on: an embedded SPIFFE issuer (ECDSA P-256 root and
intermediate) serving the Workload API on a Unix socket, workloads getting
X509-SVIDs through go-spiffe, handshakes authorized by SPIFFE ID, rotation
under load, and conformance checks for running services and certificates.

Every command takes --workload-api unix:///path to use another Workload API
(gocap mtls serve, or a SPIRE agent's socket); without it, every command uses
$SPIFFE_ENDPOINT_SOCKET when that is set, else its own default (the embedded
issuer for demo and bench; the gocap mtls serve socket for serve, probe and
svid; no bundle for inspect).

Exit codes: 0 ok, 1 a rule or goal failed, 2 bad input (flags, PEM, socket),
3 gocap failed.`,
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.Usagef("%v (see %s --help)", err, c.CommandPath())
	})
	cmd.PersistentFlags().StringVar(&common.WorkloadAPI, "workload-api", "", "Workload API address unix:///abs/path (default: $SPIFFE_ENDPOINT_SOCKET, else the command's own; see gocap mtls --help)")
	cmd.AddCommand(NewCmdServe(common, nil), NewCmdDemo(common, nil), NewCmdBench(common, nil), NewCmdProbe(common, nil), NewCmdInspect(common, nil), NewCmdSVID(common, nil))
	return cmd
}

// classify maps library errors to gocap's exit codes: bad input (a missing
// socket, a malformed PEM, an unreachable service) is a usage error.
func classify(err error) error {
	var wae *mtls.WorkloadAPIError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cmdutil.ErrUsage), errors.Is(err, cmdutil.ErrTool):
		return err
	case errors.As(err, &wae), errors.Is(err, mtls.ErrBadPEM), errors.Is(err, mtls.ErrUnreachable),
		errors.As(err, new(*mtls.CADirError)), errors.As(err, new(*mtls.NoSVIDError)):
		return cmdutil.Usagef("%v", err)
	case errors.Is(err, context.Canceled), errors.As(err, new(*cmdutil.GateError)), errors.As(err, new(*cmdutil.VerdictError)):
		return err
	}
	return cmdutil.Toolf("%v", err)
}

func parseTD(flag, s string) (spiffeid.TrustDomain, error) {
	td, err := spiffeid.TrustDomainFromString(s)
	if err != nil {
		return td, cmdutil.Usagef("--%s %q: %v (use a name like example.org)", flag, s, err)
	}
	return td, nil
}

func parseIDs(flag string, ss []string) ([]spiffeid.ID, error) {
	var out []spiffeid.ID
	for _, s := range ss {
		id, err := spiffeid.FromString(s)
		if err != nil {
			return nil, cmdutil.Usagef("--%s %q: %v (use spiffe://TRUST-DOMAIN/PATH)", flag, s, err)
		}
		out = append(out, id)
	}
	return out, nil
}

// resolveAddr applies the one rule every mtls command follows for its
// Workload API: --workload-api, else $SPIFFE_ENDPOINT_SOCKET, else none (the
// command's own default: the embedded issuer for demo and bench, the
// `gocap mtls serve` socket for serve, probe and svid, no bundle for
// inspect). The address is validated, naming where it came from.
func (c *Common) resolveAddr() error {
	from := "--workload-api"
	if c.WorkloadAPI == "" {
		if a, ok := os.LookupEnv(workloadapi.SocketEnv); ok && a != "" {
			c.WorkloadAPI, from = a, "$"+workloadapi.SocketEnv
		}
	}
	if c.WorkloadAPI != "" && !strings.HasPrefix(c.WorkloadAPI, "unix:///") {
		return cmdutil.Usagef("%s %q: use unix:///abs/path/to/socket (three slashes)", from, c.WorkloadAPI)
	}
	return nil
}

func checkTTL(ttl time.Duration) error {
	if ttl < mtls.MinSVIDTTL {
		return cmdutil.Usagef("--svid-ttl %s is too short: use at least %s", ttl, mtls.MinSVIDTTL)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

func short(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// workDir makes a private temp folder for the embedded issuer's socket when
// no Workload API is given; cleanup removes it and says when it could not.
func workDir(workloadAPI, name string) (string, func() error, error) {
	if workloadAPI != "" {
		return "", func() error { return nil }, nil
	}
	dir, err := os.MkdirTemp("", "gocap-mtls-"+name+"-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() error { return os.RemoveAll(dir) }, nil
}
