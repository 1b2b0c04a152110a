package mtlsauthz

import (
	"crypto/tls"
	"testing"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"

	"example.com/workshop/internal/spiffetest"
)

type setup struct {
	home, partner *spiffetest.CA
	bundles       *x509bundle.Set
	server        *tls.Config
}

func newSetup(t *testing.T) *setup {
	t.Helper()
	home, err := spiffetest.NewCA("example.org")
	if err != nil {
		t.Fatal(err)
	}
	partner, err := spiffetest.NewCA("partner.test") // a federated trust domain
	if err != nil {
		t.Fatal(err)
	}
	svid, err := home.IssueNow("spiffe://example.org/orders")
	if err != nil {
		t.Fatal(err)
	}
	bundles := x509bundle.NewSet(home.Bundle(), partner.Bundle())
	allowed := spiffeid.RequireFromString("spiffe://example.org/checkout")
	return &setup{home: home, partner: partner, bundles: bundles, server: ServerConfig(svid, bundles, allowed)}
}

// dial runs one handshake over an in-memory pipe as the client id, issued by ca.
func (s *setup) dial(t *testing.T, ca *spiffetest.CA, id string) error {
	t.Helper()
	svid, err := ca.IssueNow(id)
	if err != nil {
		t.Fatal(err)
	}
	ccfg := tlsconfig.MTLSClientConfig(svid, s.bundles, tlsconfig.AuthorizeID(spiffeid.RequireFromString("spiffe://example.org/orders")))
	return spiffetest.Handshake(ccfg, s.server)
}

func TestAuthorizedClientIsServed(t *testing.T) {
	s := newSetup(t)
	if err := s.dial(t, s.home, "spiffe://example.org/checkout"); err != nil {
		t.Fatalf("the allowed workload was refused: %v", err)
	}
}

func TestOtherWorkloadIsRefused(t *testing.T) {
	s := newSetup(t)
	if err := s.dial(t, s.home, "spiffe://example.org/intruder"); err == nil {
		t.Fatal("spiffe://example.org/intruder was served: the server must authorize by SPIFFE ID")
	}
}

func TestOtherTrustDomainIsRefused(t *testing.T) {
	s := newSetup(t)
	if err := s.dial(t, s.partner, "spiffe://partner.test/checkout"); err == nil {
		t.Fatal("spiffe://partner.test/checkout (another trust domain, same path) was served")
	}
}
