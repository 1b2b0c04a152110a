package mtls

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// ErrBundleTrustDomain is wrapped by NewBundle's errors: the bundle's trust
// domain is unknown or contradicts the one asked for.
var ErrBundleTrustDomain = errors.New("trust bundle")

// caTrustDomains returns the trust domains the CA certificates name in their
// SPIFFE ID URI SANs (SPIFFE signing certificates carry spiffe://TD), sorted
// and without repeats; certificates without one add nothing.
func caTrustDomains(certs []*x509.Certificate) []spiffeid.TrustDomain {
	var tds []spiffeid.TrustDomain
	for _, c := range certs {
		for _, u := range c.URIs {
			if id, err := spiffeid.FromURI(u); err == nil && !slices.Contains(tds, id.TrustDomain()) {
				tds = append(tds, id.TrustDomain())
			}
		}
	}
	slices.SortFunc(tds, func(a, b spiffeid.TrustDomain) int { return strings.Compare(a.Name(), b.Name()) })
	return tds
}

// NewBundle makes the X.509 bundle of one trust domain from its root
// certificates. A bundle belongs to one trust domain, and it is never the
// one a certificate being checked claims: it is td when given, else the one
// the roots name in their SPIFFE ID URI SAN. It fails (wrapping
// ErrBundleTrustDomain) when the roots name several trust domains, none and
// td is zero, or another than td.
func NewBundle(td spiffeid.TrustDomain, roots []*x509.Certificate) (*x509bundle.Bundle, error) {
	if len(roots) == 0 {
		return nil, fmt.Errorf("%w: no root certificate", ErrBundleTrustDomain)
	}
	named := caTrustDomains(roots)
	switch {
	case len(named) > 1:
		return nil, fmt.Errorf("%w: its certificates name several trust domains %v: a bundle belongs to one; split the file", ErrBundleTrustDomain, named)
	case len(named) == 1 && !td.IsZero() && named[0] != td:
		return nil, fmt.Errorf("%w: its CA is trust domain %s's (URI SAN %s), not %s", ErrBundleTrustDomain, named[0], named[0].IDString(), td)
	case len(named) == 1:
		td = named[0]
	case td.IsZero():
		return nil, fmt.Errorf("%w: its certificates name no trust domain (no spiffe:// URI SAN): say whose roots they are with --trust-domain", ErrBundleTrustDomain)
	}
	return x509bundle.FromX509Authorities(td, roots), nil
}

// TrustDomainBundles wraps a bundle source so that the bundle it returns
// for a trust domain keeps only the authorities that belong to it: a CA
// certificate naming another trust domain in its SPIFFE ID URI SAN is
// dropped. A Workload API keys each bundle by the trust domain of the SVID
// it came with (go-spiffe's client does so); this keeps one trust domain's
// CA from vouching for leaves that claim another, whoever labelled the
// bundle. Authorities without a SPIFFE ID (upstream roots) are kept.
func TrustDomainBundles(src x509bundle.Source) x509bundle.Source {
	return tdBundles{src}
}

type tdBundles struct{ src x509bundle.Source }

func (s tdBundles) GetX509BundleForTrustDomain(td spiffeid.TrustDomain) (*x509bundle.Bundle, error) {
	b, err := s.src.GetX509BundleForTrustDomain(td)
	if err != nil {
		return nil, err
	}
	var keep []*x509.Certificate
	for _, c := range b.X509Authorities() {
		if named := caTrustDomains([]*x509.Certificate{c}); len(named) == 0 || slices.Equal(named, []spiffeid.TrustDomain{td}) {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return nil, fmt.Errorf("the X.509 bundle given for trust domain %s holds only CAs of other trust domains", td)
	}
	return x509bundle.FromX509Authorities(td, keep), nil
}
