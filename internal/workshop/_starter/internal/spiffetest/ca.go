// Package spiffetest is a tiny in-memory SPIFFE issuer for the zero-trust
// exercises' tests: a root per trust domain and X509-SVIDs signed by it.
package spiffetest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

var serial atomic.Int64

// CA issues X509-SVIDs for one trust domain.
type CA struct {
	TD   spiffeid.TrustDomain
	cert *x509.Certificate
	key  crypto.Signer
}

// NewCA makes a self-signed root for td (valid one day around now).
func NewCA(td string) (*CA, error) {
	t, err := spiffeid.TrustDomainFromString(td)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{Organization: []string{"spiffetest"}, CommonName: td},
		URIs:                  []*url.URL{t.ID().URL()},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{TD: t, cert: cert, key: key}, nil
}

// Root is the CA certificate.
func (c *CA) Root() *x509.Certificate { return c.cert }

// Bundle is the trust domain's X.509 bundle.
func (c *CA) Bundle() *x509bundle.Bundle {
	return x509bundle.FromX509Authorities(c.TD, []*x509.Certificate{c.cert})
}

// Issue signs an X509-SVID for id, valid from notBefore to notAfter.
func (c *CA) Issue(id string, notBefore, notAfter time.Time) (*x509svid.SVID, error) {
	sid, err := spiffeid.FromString(id)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		URIs:         []*url.URL{sid.URL()},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, key.Public(), c.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &x509svid.SVID{ID: sid, Certificates: []*x509.Certificate{cert}, PrivateKey: key}, nil
}

// IssueNow signs an SVID valid for an hour around now.
func (c *CA) IssueNow(id string) (*x509svid.SVID, error) {
	now := time.Now()
	return c.Issue(id, now.Add(-time.Hour), now.Add(time.Hour))
}

// Handshake runs one TLS handshake between the client and server configs
// over an in-memory pipe. The server then writes "ok", which the client
// reads, so a refusal by either side (a TLS alert) is the error returned.
func Handshake(client, server *tls.Config) error {
	c, s := net.Pipe()
	// Closing a pipe end cannot fail in a way that matters here.
	defer func() { _ = c.Close() }()
	defer func() { _ = s.Close() }()
	srvErr := make(chan error, 1)
	go func() {
		conn := tls.Server(s, server)
		err := conn.Handshake()
		if err == nil {
			_, err = conn.Write([]byte("ok"))
		}
		srvErr <- err
		_ = s.Close() // unblocks the client's read after a refusal
	}()
	conn := tls.Client(c, client)
	err := conn.Handshake()
	if err == nil {
		buf := make([]byte, 2)
		_, err = conn.Read(buf)
	}
	if serr := <-srvErr; err == nil {
		err = serr
	}
	return err
}
