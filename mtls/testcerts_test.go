package mtls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

var (
	tdExample = spiffeid.RequireTrustDomainFromString("example.org")
	idServer  = spiffeid.RequireFromString("spiffe://example.org/server")
	idClient  = spiffeid.RequireFromString("spiffe://example.org/client")
)

func newCA(t testing.TB, td string) *CA {
	t.Helper()
	ca, err := NewCA(spiffeid.RequireTrustDomainFromString(td))
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func issue(t testing.TB, ca *CA, id spiffeid.ID, ttl time.Duration) *x509svid.SVID {
	t.Helper()
	sv, err := ca.IssueX509SVID(id, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// badLeaf signs a leaf template changed by mod with ca's intermediate: the
// non-conforming certificates of the bad-input tests.
func badLeaf(t testing.TB, ca *CA, mod func(*x509.Certificate)) *x509svid.SVID {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(-time.Minute)
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "bad"},
		NotBefore:             now,
		NotAfter:              now.Add(time.Hour),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:                  []*url.URL{idClient.URL()},
	}
	mod(tmpl)
	leaf, err := ca.signLeaf(tmpl, &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return &x509svid.SVID{ID: idClient, Certificates: []*x509.Certificate{leaf, ca.Intermediate()}, PrivateKey: key}
}

// badCases are the non-conforming leaves, with the inspect rule each breaks.
func badCases(t testing.TB, ca *CA) []struct {
	name, rule string
	svid       *x509svid.SVID
} {
	u2, _ := url.Parse("spiffe://example.org/other")
	nonCritKU, _ := asn1.Marshal(asn1.BitString{Bytes: []byte{0x80}, BitLength: 1})
	expired, err := ca.issueX509SVIDAt(idClient, time.Minute, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return []struct {
		name, rule string
		svid       *x509svid.SVID
	}{
		{"CA certificate as leaf", "leaf-not-ca", badLeaf(t, ca, func(c *x509.Certificate) {
			c.IsCA = true
			c.KeyUsage |= x509.KeyUsageCertSign
		})},
		{"two URI SANs", "uri-san", badLeaf(t, ca, func(c *x509.Certificate) { c.URIs = append(c.URIs, u2) })},
		{"DNS SAN only", "uri-san", badLeaf(t, ca, func(c *x509.Certificate) { c.URIs, c.DNSNames = nil, []string{"web.example.org"} })},
		{"root-path SPIFFE ID", "non-root-path", badLeaf(t, ca, func(c *x509.Certificate) { c.URIs = []*url.URL{tdExample.ID().URL()} })},
		{"no digitalSignature", "digital-signature", badLeaf(t, ca, func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyAgreement })},
		{"KeyUsage not critical", "key-usage-critical", badLeaf(t, ca, func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{{Id: oidKeyUsage, Critical: false, Value: nonCritKU}}
		})},
		{"EKU serverAuth only", "ext-key-usage", badLeaf(t, ca, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} })},
		{"expired SVID", "validity", expired},
	}
}

func tlsCert(sv *x509svid.SVID) *tls.Certificate {
	c := &tls.Certificate{PrivateKey: sv.PrivateKey, Leaf: sv.Certificates[0]}
	for _, x := range sv.Certificates {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}

func uidForBench() int { return os.Getuid() }
