package mtls

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

// Issuer is an embedded CA plus its Workload API server, running.
type Issuer struct {
	CA     *CA
	Server *Server
	done   chan error
	cancel context.CancelFunc
}

// StartIssuer creates an in-memory CA for td and serves the Workload API on
// dir/api.sock (dir is created 0700) with the default entries for this uid
// (spiffe://TD/server and spiffe://TD/client) unless entries are given.
// Stop it with Close.
func StartIssuer(ctx context.Context, td spiffeid.TrustDomain, dir string, ttl time.Duration, entries []Entry) (*Issuer, error) {
	ca, err := NewCA(td)
	if err != nil {
		return nil, err
	}
	if entries == nil {
		entries = DefaultEntries(td, os.Getuid())
	}
	srv, err := Listen(ServerConfig{CA: ca, Entries: entries, SVIDTTL: ttl, Socket: filepath.Join(dir, "api.sock")})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	is := &Issuer{CA: ca, Server: srv, done: make(chan error, 1), cancel: cancel}
	go func() { is.done <- srv.Serve(ctx) }()
	return is, nil
}

// Addr is the issuer's Workload API address.
func (is *Issuer) Addr() string { return is.Server.Addr() }

// Close stops the server and removes its socket.
func (is *Issuer) Close() error {
	is.cancel()
	return <-is.done
}

// DemoOptions configures RunDemo.
type DemoOptions struct {
	TrustDomain spiffeid.TrustDomain // of the embedded issuer; default example.org
	// WorkloadAPI, when set, is used instead of starting the embedded issuer
	// (e.g. a SPIRE agent's unix:///path/agent.sock).
	WorkloadAPI string
	// WorkDir holds the embedded issuer's socket (required without WorkloadAPI).
	WorkDir string
	SVIDTTL time.Duration // embedded issuer; default 1h
	// ServerID and ClientID pick the workloads' SVIDs; defaults
	// spiffe://TD/server and spiffe://TD/client.
	ServerID, ClientID spiffeid.ID
	// SourceTimeout bounds the wait for the first SVID; default 15s.
	SourceTimeout time.Duration
}

// SVIDInfo summarises one X509-SVID.
type SVIDInfo struct {
	ID       string    `json:"id"`
	Serial   string    `json:"serial"`
	NotAfter time.Time `json:"not_after"`
}

func infoOf(sv *x509svid.SVID) SVIDInfo {
	leaf := sv.Certificates[0]
	return SVIDInfo{ID: sv.ID.String(), Serial: leaf.SerialNumber.Text(16), NotAfter: leaf.NotAfter}
}

// Refusal is one handshake the server workload must refuse.
type Refusal struct {
	Name      string `json:"name"`
	Presented string `json:"presented"` // what the client presented
	Refused   bool   `json:"refused"`
	ClientErr string `json:"client_error,omitempty"`
	ServerErr string `json:"server_error,omitempty"`
}

// DemoResult is what RunDemo saw.
type DemoResult struct {
	WorkloadAPI string    `json:"workload_api"`
	Embedded    bool      `json:"embedded"`
	Server      SVIDInfo  `json:"server_svid"`
	Client      SVIDInfo  `json:"client_svid"`
	Handshake   Handshake `json:"handshake"`
	Refusals    []Refusal `json:"refusals"`
}

// OK reports whether the handshake worked and every refusal was refused.
func (r *DemoResult) OK() bool {
	for _, f := range r.Refusals {
		if !f.Refused {
			return false
		}
	}
	return r.Handshake.PeerID != ""
}

func (o *DemoOptions) defaults() error {
	if o.TrustDomain.IsZero() {
		o.TrustDomain = spiffeid.RequireTrustDomainFromString("example.org")
	}
	if o.SVIDTTL == 0 {
		o.SVIDTTL = time.Hour
	}
	if o.SourceTimeout == 0 {
		o.SourceTimeout = 15 * time.Second
	}
	if o.ServerID.IsZero() {
		o.ServerID = spiffeid.RequireFromPath(o.TrustDomain, "/server")
	}
	if o.ClientID.IsZero() {
		o.ClientID = spiffeid.RequireFromPath(o.TrustDomain, "/client")
	}
	if o.WorkloadAPI == "" && o.WorkDir == "" {
		return errors.New("demo needs a work folder for the embedded issuer")
	}
	if o.WorkloadAPI == "" {
		for _, id := range []spiffeid.ID{o.ServerID, o.ClientID} {
			if id.TrustDomain() != o.TrustDomain {
				return fmt.Errorf("%s is not in trust domain %s: the embedded issuer issues for its own trust domain only", id, o.TrustDomain)
			}
		}
	}
	return nil
}

// entries are the embedded issuer's registration entries: the server and
// client IDs, for this uid.
func (o *DemoOptions) entries() ([]Entry, error) {
	sel := []string{"unix:uid:" + strconv.Itoa(os.Getuid())}
	return ValidateEntries([]Entry{{SPIFFEID: o.ServerID.String(), Selectors: sel}, {SPIFFEID: o.ClientID.String(), Selectors: sel}}, o.TrustDomain)
}

// RunDemo starts the embedded issuer (unless opts.WorkloadAPI is set), a
// server and a client workload that each get their SVID through
// workloadapi.X509Source, performs one mTLS handshake authorizing each side
// by SPIFFE ID, then the handshakes the server must refuse: a client of
// another trust domain, a client with an unauthorized ID (the server's own
// SVID), a client without a certificate and, with the embedded issuer, a
// client claiming another trust domain signed by the issuer's own CA. An error means the demo could
// not run; refusals that were not refused show in the result (see OK).
func RunDemo(ctx context.Context, opts DemoOptions) (_ *DemoResult, err error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	res := &DemoResult{WorkloadAPI: opts.WorkloadAPI}
	var issuer *CA
	if opts.WorkloadAPI == "" {
		entries, err := opts.entries()
		if err != nil {
			return nil, err
		}
		is, err := StartIssuer(ctx, opts.TrustDomain, opts.WorkDir, opts.SVIDTTL, entries)
		if err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, is.Close()) }()
		res.WorkloadAPI = is.Addr()
		res.Embedded = true
		issuer = is.CA
	}
	w, err := startWorkloads(ctx, res.WorkloadAPI, opts.ServerID, opts.ClientID, opts.SourceTimeout)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, w.Close()) }()
	ssv, _ := w.serverSrc.GetX509SVID()
	csv, _ := w.clientSrc.GetX509SVID()
	res.Server, res.Client = infoOf(ssv), infoOf(csv)

	h, err := Dial(ctx, w.server.Addr(), ClientConfig(w.clientSrc, w.clientSrc, opts.ServerID))
	if err != nil {
		ev, _ := waitEvent(ctx, w.server, time.Second)
		if ev.Err == nil {
			return nil, fmt.Errorf("mTLS handshake %s -> %s failed: %w (server: no error seen)", opts.ClientID, opts.ServerID, err)
		}
		return nil, fmt.Errorf("mTLS handshake %s -> %s failed: %w (server: %w)", opts.ClientID, opts.ServerID, err, ev.Err)
	}
	res.Handshake = h
	drain(w.server)

	foreignTD := spiffeid.RequireTrustDomainFromString("other-" + opts.ServerID.TrustDomain().Name())
	foreign, err := NewCA(foreignTD)
	if err != nil {
		return nil, err
	}
	fsv, err := foreign.IssueX509SVID(spiffeid.RequireFromPath(foreignTD, opts.ClientID.Path()), time.Hour)
	if err != nil {
		return nil, err
	}
	noCert := tlsconfig.TLSClientConfig(TrustDomainBundles(w.clientSrc), Authorize(opts.ServerID))
	cases := []struct {
		name, presented string
		cfg             *tls.Config
	}{
		{"client of another trust domain", fsv.ID.String(), ClientConfig(fsv, w.clientSrc, opts.ServerID)},
		{"client with an unauthorized SPIFFE ID", opts.ServerID.String(), ClientConfig(w.serverSrc, w.clientSrc, opts.ServerID)},
		{"client without a certificate", "no certificate", noCert},
	}
	if issuer != nil {
		// The embedded issuer's CA signs a leaf claiming another trust
		// domain: the server must not let its own CA vouch for it.
		cross, err := issuer.mintCrossDomain(spiffeid.RequireFromPath(foreignTD, opts.ClientID.Path()), time.Hour)
		if err != nil {
			return nil, err
		}
		cases = append(cases, struct {
			name, presented string
			cfg             *tls.Config
		}{"client claiming another trust domain, signed by this one's CA", cross.ID.String(), ClientConfig(cross, w.clientSrc, opts.ServerID)})
	}
	for _, c := range cases {
		res.Refusals = append(res.Refusals, tryRefusal(ctx, w.server, c.name, c.presented, c.cfg))
	}
	return res, nil
}

// tryRefusal connects with cfg and records whether client and server both
// saw the handshake refused.
func tryRefusal(ctx context.Context, srv *EchoServer, name, presented string, cfg *tls.Config) Refusal {
	drain(srv)
	r := Refusal{Name: name, Presented: presented}
	_, cerr := Dial(ctx, srv.Addr(), cfg)
	ev, werr := waitEvent(ctx, srv, 2*time.Second)
	if cerr != nil {
		r.ClientErr = cerr.Error()
	}
	if werr == nil && ev.Err != nil {
		r.ServerErr = ev.Err.Error()
	}
	r.Refused = cerr != nil && r.ServerErr != ""
	return r
}

// workloads is a server workload and a client workload, each with its own
// X509Source on the Workload API.
type workloads struct {
	serverSrc, clientSrc *workloadapi.X509Source
	server               *EchoServer
}

func startWorkloads(ctx context.Context, addr string, serverID, clientID spiffeid.ID, timeout time.Duration) (*workloads, error) {
	w := &workloads{}
	var err error
	if w.serverSrc, err = NewSource(ctx, addr, serverID, timeout); err != nil {
		return nil, err
	}
	if w.clientSrc, err = NewSource(ctx, addr, clientID, timeout); err != nil {
		return nil, errors.Join(err, w.serverSrc.Close())
	}
	if w.server, err = StartEchoServer(ctx, w.serverSrc, w.serverSrc, Authorize(clientID)); err != nil {
		return nil, errors.Join(err, w.Close())
	}
	return w, nil
}

// Close stops the echo server and closes both X509 sources.
func (w *workloads) Close() error {
	if w.server != nil {
		w.server.Close()
	}
	return errors.Join(w.serverSrc.Close(), w.clientSrc.Close())
}
