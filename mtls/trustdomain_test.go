package mtls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/gocap/gocap/internal/testclose"
)

var idEvil = spiffeid.RequireFromString("spiffe://evil.test/client")

// crossLeaf is a conforming X509-SVID in every rule but one: it claims id,
// of another trust domain, and is signed by ca's intermediate.
func crossLeaf(t *testing.T, ca *CA, id spiffeid.ID) *x509svid.SVID {
	t.Helper()
	sv := badLeaf(t, ca, func(c *x509.Certificate) { c.URIs = []*url.URL{id.URL()} })
	sv.ID = id
	return sv
}

func TestInspectChainRefusesCrossTrustDomainLeaf(t *testing.T) {
	ca := newCA(t, "example.org")
	in := InspectChain(crossLeaf(t, ca, idEvil).Certificates, ca.X509Bundle(), time.Now())
	f := in.Failed()
	if len(f) != 1 || f[0].Rule != "chains-to-bundle" || !strings.Contains(f[0].Evidence, "leaf claims trust domain evil.test, but the bundle is trust domain example.org's") {
		t.Errorf("cross-trust-domain leaf: %+v", f)
	}
	// From a set: the leaf's trust domain has no bundle there.
	in = InspectChainSet(crossLeaf(t, ca, idEvil).Certificates, x509bundle.NewSet(ca.X509Bundle()), spiffeid.TrustDomain{}, time.Now())
	if f := in.Failed(); len(f) != 1 || f[0].Rule != "chains-to-bundle" || !strings.Contains(f[0].Evidence, `no trust bundle for trust domain "evil.test"`) {
		t.Errorf("set without the leaf's trust domain: %+v", f)
	}
	// A set that labels example.org's CA as evil.test's: the CA names its own trust domain.
	mislabeled := x509bundle.NewSet(x509bundle.FromX509Authorities(idEvil.TrustDomain(), []*x509.Certificate{ca.Root()}))
	if in := InspectChainSet(crossLeaf(t, ca, idEvil).Certificates, mislabeled, spiffeid.TrustDomain{}, time.Now()); in.OK() {
		t.Errorf("a mislabeled bundle vouched for a cross-trust-domain leaf: %+v", in.Verdicts)
	}
}

func TestNewBundleTrustDomainFromTheCA(t *testing.T) {
	ca := newCA(t, "example.org")
	b, err := NewBundle(spiffeid.TrustDomain{}, []*x509.Certificate{ca.Root()})
	if err != nil || b.TrustDomain() != tdExample {
		t.Errorf("bundle of gocap's root: %v %v", b, err)
	}
	if _, err := NewBundle(idEvil.TrustDomain(), []*x509.Certificate{ca.Root()}); !errors.Is(err, ErrBundleTrustDomain) || !strings.Contains(err.Error(), "not evil.test") {
		t.Errorf("contradicting --trust-domain: %v", err)
	}
	other := newCA(t, "other.test")
	if _, err := NewBundle(spiffeid.TrustDomain{}, []*x509.Certificate{ca.Root(), other.Root()}); !errors.Is(err, ErrBundleTrustDomain) {
		t.Errorf("roots of two trust domains: %v", err)
	}
	plain := *ca.Root()
	plain.URIs = nil
	if _, err := NewBundle(spiffeid.TrustDomain{}, []*x509.Certificate{&plain}); !errors.Is(err, ErrBundleTrustDomain) || !strings.Contains(err.Error(), "--trust-domain") {
		t.Errorf("roots naming no trust domain: %v", err)
	}
	if b, err := NewBundle(tdExample, []*x509.Certificate{&plain}); err != nil || b.TrustDomain() != tdExample {
		t.Errorf("roots naming no trust domain, --trust-domain given: %v", err)
	}
}

// TestHandshakeRefusesCrossTrustDomainLeaf: the echo server and the client
// config of the handshake paths refuse a peer claiming evil.test signed by
// example.org's CA even when their bundle source labels that CA as
// evil.test's (a Workload API keys a bundle by the trust domain of the SVID
// it came with).
func TestHandshakeRefusesCrossTrustDomainLeaf(t *testing.T) {
	ctx := context.Background()
	ca := newCA(t, "example.org")
	mislabeled := x509bundle.NewSet(ca.X509Bundle(), x509bundle.FromX509Authorities(idEvil.TrustDomain(), []*x509.Certificate{ca.Root()}))

	// Server side: a client presenting the cross leaf.
	es, err := StartEchoServer(ctx, issue(t, ca, idServer, time.Hour), mislabeled, Authorize(idEvil, idClient))
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	if _, err := Dial(ctx, es.Addr(), ClientConfig(crossLeaf(t, ca, idEvil), ca.X509Bundle(), idServer)); err == nil {
		t.Error("the server accepted spiffe://evil.test/client signed by example.org's CA")
	}
	if _, err := Dial(ctx, es.Addr(), ClientConfig(issue(t, ca, idClient, time.Hour), ca.X509Bundle(), idServer)); err != nil {
		t.Errorf("the server refused its own trust domain's client: %v", err)
	}

	// Client side: a server presenting the cross leaf.
	evilServer := spiffeid.RequireFromString("spiffe://evil.test/server")
	es2, err := StartEchoServer(ctx, crossLeaf(t, ca, evilServer), ca.X509Bundle(), Authorize(idClient))
	if err != nil {
		t.Fatal(err)
	}
	defer es2.Close()
	if _, err := Dial(ctx, es2.Addr(), ClientConfig(issue(t, ca, idClient, time.Hour), mislabeled, evilServer)); err == nil {
		t.Error("the client accepted a server claiming spiffe://evil.test/server signed by example.org's CA")
	}
}

// TestProbeInconclusiveRefusalsAreSkipped: against a service that refuses
// even its authorized client, a refusal proves nothing: skipped, not PASS.
func TestProbeInconclusiveRefusalsAreSkipped(t *testing.T) {
	ca := newCA(t, "example.org")
	dir := t.TempDir()
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	es, err := StartEchoServer(context.Background(), issue(t, ca, idServer, time.Hour), ca.X509Bundle(), Authorize(spiffeid.RequireFromString("spiffe://example.org/nobody")))
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	res, err := Probe(context.Background(), ProbeOptions{Addr: es.Addr(), CADir: dir, Authorized: []spiffeid.ID{idClient},
		Unauthorized: []spiffeid.ID{spiffeid.RequireFromString("spiffe://example.org/intruder")}, Wait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	v := byRule(res)
	if v["accepts-authorized"].Status != Fail {
		t.Errorf("accepts-authorized: %+v", v["accepts-authorized"])
	}
	for _, r := range []string{"refuses-other-trust-domain", "refuses-cross-domain-leaf", "refuses-unauthorized-id", "refuses-expired-svid"} {
		if v[r].Status != Skip || !strings.Contains(v[r].Evidence, "inconclusive") {
			t.Errorf("%s: %+v, want skip (inconclusive)", r, v[r])
		}
	}
}

// TestProbeFailsServiceAcceptingCrossDomainLeaf: a service that verifies
// clients against its CA pool and authorizes by path alone accepts a leaf
// claiming another trust domain signed by its own CA; the probe says so.
func TestProbeFailsServiceAcceptingCrossDomainLeaf(t *testing.T) {
	ca := newCA(t, "example.org")
	dir := t.TempDir()
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Root())
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{*tlsCert(issue(t, ca, idServer, time.Hour))},
		ClientCAs:    pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS13,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "listener", l)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			// A naive service: whoever chains to its pool is in; it closes after a while.
			go func() {
				if c.(*tls.Conn).Handshake() == nil {
					time.Sleep(time.Second)
				}
				_ = c.Close()
			}()
		}
	}()
	res, err := Probe(context.Background(), ProbeOptions{Addr: l.Addr().String(), CADir: dir, Wait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	v := byRule(res)
	if v["accepts-authorized"].Status != Pass || v["refuses-other-trust-domain"].Status != Pass {
		t.Errorf("baseline: %+v %+v", v["accepts-authorized"], v["refuses-other-trust-domain"])
	}
	if c := v["refuses-cross-domain-leaf"]; c.Status != Fail || !strings.Contains(c.Evidence, "accepted spiffe://probe-other.example.org/client") {
		t.Errorf("refuses-cross-domain-leaf: %+v, want fail", c)
	}
}
