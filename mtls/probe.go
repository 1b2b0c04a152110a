package mtls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

// ProbeOptions configures Probe. Trust comes from Bundle, a Workload API,
// or the issuer's CA folder (at least one).
type ProbeOptions struct {
	Addr string // host:port of the service
	// Bundle is one trust domain's roots (--bundle FILE, made with
	// NewBundle: its trust domain is never the server's claim).
	Bundle *x509bundle.Bundle
	// WorkloadAPI gives the bundle and the probe's own client SVIDs.
	WorkloadAPI string
	// CADir is a `gocap mtls serve` CA folder: the probe then mints its own
	// client SVIDs (authorized, unauthorized, expired) with that CA.
	CADir string
	// ServerID, when set, is the SPIFFE ID the server must present.
	ServerID spiffeid.ID
	// Authorized are IDs the service must accept (the first is the probe's
	// identity); Unauthorized are IDs it must refuse.
	Authorized, Unauthorized []spiffeid.ID
	// Wait is how long an accepted connection is watched for a late
	// refusal; default 1s.
	Wait time.Duration
}

// ProbeResult is a conformance verdict per rule for a running service.
type ProbeResult struct {
	Addr        string        `json:"addr"`
	ServerID    string        `json:"server_id,omitempty"`
	ServerChain []CertSummary `json:"server_chain,omitempty"`
	Verdicts    []Verdict     `json:"verdicts"`
}

// OK reports whether no rule failed.
func (r *ProbeResult) OK() bool { return (&Inspection{Verdicts: r.Verdicts}).OK() }

// ErrUnreachable is wrapped when the service cannot be reached at all.
var ErrUnreachable = errors.New("service unreachable")

// outcome is what one probe connection saw.
type outcome struct {
	state    tls.ConnectionState
	accepted bool
	evidence string
}

// Probe connects to a running mTLS service several times with different
// client identities and judges each SPIFFE mTLS rule: the server presents a
// conforming X509-SVID chaining to the bundle, negotiates TLS 1.3, requires
// a client certificate, accepts an authorized ID, refuses another trust
// domain, an unauthorized ID and an expired SVID. Rules it cannot test with
// the material given are skipped with the reason. The error is non-nil only
// when the probe could not run (service unreachable, bad trust material).
func Probe(ctx context.Context, o ProbeOptions) (*ProbeResult, error) {
	if o.Wait == 0 {
		o.Wait = time.Second
	}
	res := &ProbeResult{Addr: o.Addr}
	add := func(rule, title, status, ev string) {
		res.Verdicts = append(res.Verdicts, Verdict{Rule: rule, Title: title, Status: status, Evidence: ev})
	}

	// Trust material and client identities.
	var (
		ca      *CA
		wlSVIDs []*x509svid.SVID
		bundles = x509bundle.NewSet()
	)
	if o.Bundle != nil {
		bundles.Add(o.Bundle)
	}
	if o.CADir != "" {
		var err error
		if ca, err = loadCA(o.CADir); err != nil {
			return nil, &CADirError{Dir: o.CADir, Err: err}
		}
		bundles.Add(ca.X509Bundle())
	}
	if o.WorkloadAPI != "" {
		if err := CheckAddr(o.WorkloadAPI); err != nil {
			return nil, err
		}
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		xc, err := workloadapi.FetchX509Context(wctx, workloadapi.WithAddr(o.WorkloadAPI))
		cancel()
		if err != nil {
			return nil, &WorkloadAPIError{Addr: o.WorkloadAPI, Err: err}
		}
		wlSVIDs = xc.SVIDs
		for _, b := range xc.Bundles.Bundles() {
			bundles.Add(b)
		}
	}

	// 1. No client certificate: also yields the server's chain and version.
	first, err := probeConn(ctx, o.Addr, nil, 0, o.Wait)
	if err != nil {
		return nil, err
	}
	chain := first.state.PeerCertificates
	for _, c := range chain {
		res.ServerChain = append(res.ServerChain, summarize(c))
	}
	var td spiffeid.TrustDomain
	if len(chain) > 0 {
		if id, err := x509svid.IDFromCert(chain[0]); err == nil {
			td = id.TrustDomain()
			res.ServerID = id.String()
		}
	}
	// The server's claim picks among the bundles the trust material keys;
	// it never labels one (a bundle is its own CA's trust domain's).
	var bundle *x509bundle.Bundle
	if !td.IsZero() {
		bundle, _ = TrustDomainBundles(bundles).GetX509BundleForTrustDomain(td)
	}
	var trusted []string
	for _, b := range bundles.Bundles() {
		trusted = append(trusted, b.TrustDomain().Name())
	}

	// Rule: the server's X509-SVID.
	{
		title := "server presents a conforming X509-SVID chaining to the bundle"
		in := InspectChain(chain, bundle, time.Now())
		switch {
		case len(chain) == 0:
			add("server-svid", title, Fail, "the server presented no certificate")
		case bundle == nil && !td.IsZero():
			add("server-svid", title, Fail, fmt.Sprintf("the server claims trust domain %s, but the trust material given is for %v: a CA vouches only for its own trust domain (give --bundle, --workload-api or --ca-dir of %s if it is meant to be trusted)", td, trusted, td))
		case !in.OK():
			var why []string
			for _, v := range in.Failed() {
				why = append(why, v.Rule+": "+v.Evidence)
			}
			add("server-svid", title, Fail, strings.Join(why, "; "))
		case !o.ServerID.IsZero() && o.ServerID.String() != res.ServerID:
			add("server-svid", title, Fail, fmt.Sprintf("server presents %s, expected %s", res.ServerID, o.ServerID))
		default:
			add("server-svid", title, Pass, fmt.Sprintf("%s, serial %s, chains to the %s bundle, all %d X509-SVID rules pass", res.ServerID, chain[0].SerialNumber.Text(16), td, len(in.Verdicts)))
		}
	}
	// Rule: TLS 1.3.
	{
		title := "negotiates TLS 1.3"
		ev := fmt.Sprintf("negotiated %s with %s", tls.VersionName(first.state.Version), tls.CipherSuiteName(first.state.CipherSuite))
		if old, err := probeConn(ctx, o.Addr, nil, tls.VersionTLS12, o.Wait); err == nil && old.state.Version == tls.VersionTLS12 {
			ev += "; also accepts a TLS 1.2 handshake"
		} else {
			ev += "; refuses TLS 1.2"
		}
		st := Pass
		if first.state.Version != tls.VersionTLS13 {
			st = Fail
		}
		add("tls13", title, st, ev)
	}
	// Rule: requires a client certificate.
	if first.accepted {
		add("requires-client-cert", "requires a client certificate", Fail, "accepted a client without a certificate: "+first.evidence)
	} else {
		add("requires-client-cert", "requires a client certificate", Pass, "refused a client without a certificate: "+first.evidence)
	}

	// The probe's identities.
	pick := func(id spiffeid.ID) *x509svid.SVID {
		for _, sv := range wlSVIDs {
			if sv.ID == id {
				return sv
			}
		}
		if ca != nil && id.MemberOf(ca.td) {
			if sv, err := ca.IssueX509SVID(id, time.Hour); err == nil {
				return sv
			}
		}
		return nil
	}
	var good *x509svid.SVID
	switch {
	case len(o.Authorized) > 0:
		good = pick(o.Authorized[0])
	case len(wlSVIDs) > 0:
		good = wlSVIDs[0]
	case ca != nil:
		good = pick(spiffeid.RequireFromPath(ca.td, "/client"))
	}
	try := func(sv *x509svid.SVID) (outcome, error) {
		return probeConn(ctx, o.Addr, tlsCertOf(sv), 0, o.Wait)
	}

	// Rule: accepts an authorized client (the baseline for the refusals).
	goodAccepted := false
	if good == nil {
		add("accepts-authorized", "accepts an authorized client SVID", Skip, "no client SVID: give --workload-api (with an entry for this workload), or --ca-dir, and --expect-authorized ID")
	} else if out, err := try(good); err != nil {
		return nil, err
	} else if out.accepted {
		goodAccepted = true
		add("accepts-authorized", "accepts an authorized client SVID", Pass, fmt.Sprintf("accepted %s: %s", good.ID, out.evidence))
	} else {
		add("accepts-authorized", "accepts an authorized client SVID", Fail, fmt.Sprintf("refused %s: %s (is it the ID the service authorizes? use --expect-authorized)", good.ID, out.evidence))
	}
	refusal := func(rule, title string, sv *x509svid.SVID, skipWhy string) error {
		if sv == nil {
			add(rule, title, Skip, skipWhy)
			return nil
		}
		out, err := try(sv)
		if err != nil {
			return err
		}
		switch {
		case out.accepted:
			add(rule, title, Fail, fmt.Sprintf("accepted %s: %s", sv.ID, out.evidence))
		case !goodAccepted && good == nil:
			// Without a client it accepts, a refusal proves nothing.
			add(rule, title, Skip, fmt.Sprintf("inconclusive: refused %s (%s), but no authorized client could be tried to show it accepts anyone: give --ca-dir or --workload-api", sv.ID, out.evidence))
		case !goodAccepted:
			// A service that refuses everyone proves nothing by refusing this.
			add(rule, title, Skip, fmt.Sprintf("inconclusive: refused %s, but it refused the authorized client too (%s)", sv.ID, out.evidence))
		default:
			add(rule, title, Pass, fmt.Sprintf("refused %s: %s", sv.ID, out.evidence))
		}
		return nil
	}

	// Rule: another trust domain.
	path := "/client"
	if good != nil {
		path = good.ID.Path()
	}
	otherTD := spiffeid.RequireTrustDomainFromString("probe-other." + strings.TrimPrefix(td.Name(), "probe-other."))
	if td.IsZero() {
		otherTD = spiffeid.RequireTrustDomainFromString("probe-other.test")
	}
	foreign, err := NewCA(otherTD)
	if err != nil {
		return nil, err
	}
	fsv, err := foreign.IssueX509SVID(spiffeid.RequireFromPath(otherTD, path), time.Hour)
	if err != nil {
		return nil, err
	}
	if err := refusal("refuses-other-trust-domain", "refuses a client of another trust domain", fsv, ""); err != nil {
		return nil, err
	}
	// Rule: a leaf claiming another trust domain, signed by this one's CA.
	var cross *x509svid.SVID
	if ca != nil {
		other := spiffeid.RequireTrustDomainFromString("probe-other." + ca.td.Name())
		cross, _ = ca.mintCrossDomain(spiffeid.RequireFromPath(other, path), time.Hour)
	}
	if err := refusal("refuses-cross-domain-leaf", "refuses a client claiming another trust domain, signed by this one's CA", cross,
		"needs the issuer's CA to sign a leaf claiming another trust domain: give --ca-dir"); err != nil {
		return nil, err
	}

	// Rule: unauthorized IDs.
	if len(o.Unauthorized) == 0 {
		add("refuses-unauthorized-id", "refuses an unauthorized SPIFFE ID", Skip, "tell the probe an ID the service must refuse with --unauthorized ID")
	}
	for _, id := range o.Unauthorized {
		if err := refusal("refuses-unauthorized-id", "refuses unauthorized "+id.String(), pick(id),
			fmt.Sprintf("no SVID for %s: the Workload API does not issue it to this workload; give --ca-dir of the issuer to mint one", id)); err != nil {
			return nil, err
		}
	}

	// Rule: expired client SVID.
	var expired *x509svid.SVID
	if ca != nil {
		id := spiffeid.RequireFromPath(ca.td, path)
		if good != nil && good.ID.MemberOf(ca.td) {
			id = good.ID
		}
		expired, _ = ca.issueX509SVIDAt(id, time.Minute, time.Now().Add(-time.Hour))
	}
	if err := refusal("refuses-expired-svid", "refuses an expired client SVID", expired, "needs the issuer's CA to mint an expired SVID: give --ca-dir"); err != nil {
		return nil, err
	}
	return res, nil
}

func tlsCertOf(sv *x509svid.SVID) *tls.Certificate {
	c := &tls.Certificate{PrivateKey: sv.PrivateKey, Leaf: sv.Certificates[0]}
	for _, x := range sv.Certificates {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}

// probeConn connects presenting cert (none when nil), capped at maxVersion
// when non-zero, and watches the connection for wait: a TLS 1.3 server
// refuses a client certificate with an alert after the client's handshake
// completes, so a connection still open (or answering) after wait counts
// as accepted. The server is not verified here: its chain is judged
// separately.
func probeConn(ctx context.Context, addr string, cert *tls.Certificate, maxVersion uint16, wait time.Duration) (outcome, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return outcome{}, fmt.Errorf("%w: %s: %w", ErrUnreachable, addr, unwrapOp(err))
	}
	defer func() { _ = raw.Close() }() // the verdict is taken before; closing only releases it
	if err := raw.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return outcome{}, fmt.Errorf("%s: %w", addr, err)
	}
	cfg := &tls.Config{
		InsecureSkipVerify: true, // the chain is judged by InspectChain, not here
		MaxVersion:         maxVersion,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if cert == nil {
				return &tls.Certificate{}, nil
			}
			return cert, nil
		},
	}
	c := tls.Client(raw, cfg)
	if err := c.HandshakeContext(ctx); err != nil {
		if maxVersion == 0 && cert == nil && !isTLSAlert(err) {
			return outcome{}, fmt.Errorf("%s does not complete a TLS handshake (%w): is it a TLS service?", addr, err)
		}
		return outcome{state: c.ConnectionState(), evidence: "handshake failed: " + err.Error()}, nil
	}
	st := c.ConnectionState()
	if err := c.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return outcome{}, fmt.Errorf("%s: %w", addr, err)
	}
	buf := make([]byte, 1)
	_, err = c.Read(buf)
	var ne net.Error
	switch {
	case err == nil:
		return outcome{state: st, accepted: true, evidence: "the server answered"}, nil
	case errors.As(err, &ne) && ne.Timeout():
		return outcome{state: st, accepted: true, evidence: fmt.Sprintf("connection open after %s", wait)}, nil
	case errors.Is(err, io.EOF):
		return outcome{state: st, evidence: "server closed the connection after the handshake"}, nil
	default:
		return outcome{state: st, evidence: err.Error()}, nil
	}
}

func isTLSAlert(err error) bool {
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return true
	}
	return strings.Contains(err.Error(), "remote error: tls:")
}

// LoadBundleFile reads a PEM trust bundle (root certificates).
func LoadBundleFile(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePEMChain(b)
}
