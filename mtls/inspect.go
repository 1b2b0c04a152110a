package mtls

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// Verdict statuses.
const (
	Pass = "pass"
	Fail = "fail"
	Skip = "skip"
)

// Verdict is one rule checked, with the evidence for its status.
type Verdict struct {
	Rule     string `json:"rule"`
	Title    string `json:"title"`
	Status   string `json:"status"` // pass, fail or skip
	Evidence string `json:"evidence"`
}

// CertSummary describes one certificate of a chain.
type CertSummary struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	Serial   string    `json:"serial"`
	IsCA     bool      `json:"is_ca"`
	URIs     []string  `json:"uris,omitempty"`
	DNSNames []string  `json:"dns_names,omitempty"`
	NotAfter time.Time `json:"not_after"`
}

// Inspection is every X509-SVID rule checked on one chain.
type Inspection struct {
	Chain    []CertSummary `json:"chain"`
	Verdicts []Verdict     `json:"verdicts"`
}

// OK reports whether no rule failed.
func (in *Inspection) OK() bool {
	for _, v := range in.Verdicts {
		if v.Status == Fail {
			return false
		}
	}
	return true
}

// Failed returns the verdicts that failed.
func (in *Inspection) Failed() []Verdict {
	var out []Verdict
	for _, v := range in.Verdicts {
		if v.Status == Fail {
			out = append(out, v)
		}
	}
	return out
}

// ErrBadPEM is wrapped by ParsePEMChain's errors: the input is not a PEM
// certificate chain.
var ErrBadPEM = errors.New("not a PEM certificate chain")

// ParsePEMChain parses PEM CERTIFICATE blocks (leaf first). It rejects input
// with no block, a block of another type, or trailing garbage.
func ParsePEMChain(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			if strings.Contains(blk.Type, "PRIVATE KEY") {
				continue // a combined cert+key file: keys are ignored
			}
			return nil, fmt.Errorf("%w: PEM block %d is %q, want CERTIFICATE", ErrBadPEM, len(certs)+1, blk.Type)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %w", ErrBadPEM, len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no PEM CERTIFICATE block found", ErrBadPEM)
	}
	if s := strings.TrimSpace(string(rest)); s != "" {
		return nil, fmt.Errorf("%w: %d bytes of non-PEM data after certificate %d (truncated or corrupted file?)", ErrBadPEM, len(s), len(certs))
	}
	return certs, nil
}

var oidKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 15}

// InspectChain checks every X509-SVID rule (spiffe/spiffe
// standards/X509-SVID.md) on certs (leaf first) at time now. With a bundle,
// the chain is also path-validated to it with go-spiffe's x509svid.Verify
// and the leaf must claim the bundle's trust domain (build the bundle with
// NewBundle: its trust domain never comes from the leaf);
// without, that rule is skipped and only the chain's own signatures are
// checked. Rules go-spiffe's Verify does not enforce (non-root path,
// digitalSignature, critical KeyUsage, EKU) are checked here.
func InspectChain(certs []*x509.Certificate, bundle *x509bundle.Bundle, now time.Time) *Inspection {
	in := &Inspection{}
	for _, c := range certs {
		in.Chain = append(in.Chain, summarize(c))
	}
	if len(certs) == 0 {
		in.Verdicts = []Verdict{{Rule: "chain-present", Title: "a certificate is presented", Status: Fail, Evidence: "no certificate"}}
		return in
	}
	leaf := certs[0]
	vs := leafRules(leaf)
	add, skip := vs.add, vs.skip

	// Validity window.
	var err error
	switch {
	case now.After(leaf.NotAfter):
		err = fmt.Errorf("expired at %s (%s ago)", leaf.NotAfter.UTC().Format(time.RFC3339), now.Sub(leaf.NotAfter).Round(time.Second))
	case now.Before(leaf.NotBefore):
		err = fmt.Errorf("not valid before %s", leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	add("validity", "leaf is within its validity period", err, fmt.Sprintf("valid until %s (%s left)", leaf.NotAfter.UTC().Format(time.RFC3339), leaf.NotAfter.Sub(now).Round(time.Second)))

	// 4.1/4.3 Signing certificates: CA=true with keyCertSign.
	if len(certs) == 1 {
		skip("signing-certs", "signing certificates are CAs with keyCertSign", "no intermediate in the chain")
	} else {
		err = nil
		for i, c := range certs[1:] {
			switch {
			case !c.IsCA:
				err = fmt.Errorf("certificate %d (%s) signs but has CA=false", i+2, c.Subject)
			case c.KeyUsage&x509.KeyUsageCertSign == 0:
				err = fmt.Errorf("certificate %d (%s) signs but lacks keyCertSign", i+2, c.Subject)
			}
			if err != nil {
				break
			}
		}
		add("signing-certs", "signing certificates are CAs with keyCertSign", err, fmt.Sprintf("%d signing certificate(s) ok", len(certs)-1))
	}

	// 5 Validation: RFC 5280 path validation to the trust bundle.
	switch {
	case bundle != nil:
		// The bundle is one trust domain's: a leaf claiming another fails
		// whoever signed it (a trust domain's CA vouches for its own IDs only).
		var (
			vid    spiffeid.ID
			chains [][]*x509.Certificate
			ev     string
		)
		claimed, idErr := x509svid.IDFromCert(leaf)
		switch {
		case idErr == nil && claimed.TrustDomain() != bundle.TrustDomain():
			err = fmt.Errorf("leaf claims trust domain %s, but the bundle is trust domain %s's: a CA vouches only for its own trust domain's IDs", claimed.TrustDomain(), bundle.TrustDomain())
		default:
			vid, chains, err = x509svid.Verify(certs, x509bundle.NewSet(bundle), x509svid.WithTime(now))
			if err == nil {
				ev = fmt.Sprintf("%s chains to the %s bundle (%d certificates)", vid, bundle.TrustDomain(), len(chains[0]))
			}
		}
		add("chains-to-bundle", "chain validates to the trust bundle (RFC 5280)", err, ev)
	default:
		err = nil
		for i := 0; i+1 < len(certs); i++ {
			if e := certs[i].CheckSignatureFrom(certs[i+1]); e != nil {
				err = fmt.Errorf("certificate %d is not signed by certificate %d: %w", i+1, i+2, e)
				break
			}
		}
		add("chain-signatures", "each certificate is signed by the next", err, fmt.Sprintf("%d link(s) ok", len(certs)-1))
		skip("chains-to-bundle", "chain validates to the trust bundle (RFC 5280)", "no trust bundle given (--bundle)")
	}
	in.Verdicts = *vs
	return in
}

// InspectChainSet is InspectChain with the bundle of the leaf's trust
// domain taken from set (bundles keyed by a Workload API, which is the
// authority on which CA speaks for which trust domain; authorities naming
// another trust domain are dropped, see TrustDomainBundles), or of td when
// td is not zero. A set without that trust domain's bundle fails
// chains-to-bundle.
func InspectChainSet(certs []*x509.Certificate, set *x509bundle.Set, td spiffeid.TrustDomain, now time.Time) *Inspection {
	if set == nil {
		return InspectChain(certs, nil, now)
	}
	if len(certs) > 0 && td.IsZero() {
		if id, err := x509svid.IDFromCert(certs[0]); err == nil {
			td = id.TrustDomain()
		}
	}
	if !td.IsZero() {
		if b, err := TrustDomainBundles(set).GetX509BundleForTrustDomain(td); err == nil {
			return InspectChain(certs, b, now)
		}
	}
	in := InspectChain(certs, nil, now)
	var have []string
	for _, b := range set.Bundles() {
		have = append(have, b.TrustDomain().Name())
	}
	for i, v := range in.Verdicts {
		if v.Rule == "chains-to-bundle" {
			in.Verdicts[i].Status = Fail
			in.Verdicts[i].Evidence = fmt.Sprintf("no trust bundle for trust domain %q: the source holds bundles of %v", td.Name(), have)
		}
	}
	return in
}

func wrapIf(err error, format string, a ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %v", append(a, err)...)
}

func missing(m map[string]bool) string {
	var out []string
	for _, k := range []string{"serverAuth", "clientAuth"} {
		if !m[k] {
			out = append(out, k)
		}
	}
	return strings.Join(out, " and ")
}

func summarize(c *x509.Certificate) CertSummary {
	s := CertSummary{Subject: c.Subject.String(), Issuer: c.Issuer.String(), Serial: c.SerialNumber.Text(16), IsCA: c.IsCA, DNSNames: c.DNSNames, NotAfter: c.NotAfter}
	for _, u := range c.URIs {
		s.URIs = append(s.URIs, u.String())
	}
	return s
}

// verdicts collects rule outcomes.
type verdicts []Verdict

func (vs *verdicts) add(rule, title string, err error, evidence string) {
	v := Verdict{Rule: rule, Title: title, Status: Pass, Evidence: evidence}
	if err != nil {
		v.Status, v.Evidence = Fail, err.Error()
	}
	*vs = append(*vs, v)
}

func (vs *verdicts) skip(rule, title, why string) {
	*vs = append(*vs, Verdict{Rule: rule, Title: title, Status: Skip, Evidence: why})
}

// leafRules checks the X509-SVID rules on a leaf alone: the SPIFFE ID in
// exactly one URI SAN with a non-root path, CA=false, critical KeyUsage with
// digitalSignature and no signing usages, EKU serverAuth+clientAuth when
// present.
func leafRules(leaf *x509.Certificate) *verdicts {
	vs := &verdicts{}
	add, skip := vs.add, vs.skip

	// 2 SPIFFE ID: exactly one URI SAN holding a SPIFFE ID.
	var id spiffeid.ID
	var idErr error
	switch {
	case len(leaf.URIs) == 0 && len(leaf.DNSNames) > 0:
		idErr = fmt.Errorf("no URI SAN, only DNS SANs %v: a DNS certificate, not a SPIFFE X509-SVID", leaf.DNSNames)
	case len(leaf.URIs) == 0:
		idErr = errors.New("no URI SAN: an X509-SVID carries its SPIFFE ID as exactly one URI SAN")
	case len(leaf.URIs) > 1:
		idErr = fmt.Errorf("%d URI SANs %v: an X509-SVID must have exactly one", len(leaf.URIs), summarize(leaf).URIs)
	}
	add("uri-san", "leaf has exactly one URI SAN", idErr, fmt.Sprintf("URI SAN %v", summarize(leaf).URIs))
	if idErr == nil {
		id, idErr = spiffeid.FromURI(leaf.URIs[0])
		add("spiffe-id", "the URI SAN is a valid SPIFFE ID", wrapIf(idErr, "URI SAN %s is not a SPIFFE ID", leaf.URIs[0]), id.String())
		if idErr == nil {
			var err error
			if id.Path() == "" {
				err = fmt.Errorf("%s has the root path: a workload's ID needs a path (spiffe://%s/NAME)", id, id.TrustDomain())
			}
			add("non-root-path", "the SPIFFE ID has a non-root path", err, "path "+id.Path())
		}
	} else {
		skip("spiffe-id", "the URI SAN is a valid SPIFFE ID", "no single URI SAN")
	}

	// 4.1 Basic constraints: the leaf is not a CA.
	var err error
	if leaf.IsCA {
		err = errors.New("leaf has CA=true: a CA certificate cannot be used as an X509-SVID leaf")
	}
	add("leaf-not-ca", "leaf is not a CA (basicConstraints CA=false)", err, "CA=false")

	// 4.3 Key usage: present, critical, digitalSignature, no cert/CRL signing.
	critical, present := false, false
	for _, e := range leaf.Extensions {
		if e.Id.Equal(oidKeyUsage) {
			present, critical = true, e.Critical
		}
	}
	err = nil
	switch {
	case !present:
		err = errors.New("no KeyUsage extension: an X509-SVID must carry one, marked critical")
	case !critical:
		err = errors.New("KeyUsage extension is not marked critical")
	}
	add("key-usage-critical", "KeyUsage present and critical", err, "critical KeyUsage")
	err = nil
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		err = errors.New("leaf lacks digitalSignature key usage (needed to sign TLS handshakes)")
	}
	add("digital-signature", "leaf has digitalSignature", err, "digitalSignature set")
	err = nil
	switch {
	case leaf.KeyUsage&x509.KeyUsageCertSign != 0:
		err = errors.New("leaf has keyCertSign: only signing certificates may")
	case leaf.KeyUsage&x509.KeyUsageCRLSign != 0:
		err = errors.New("leaf has cRLSign: only signing certificates may")
	}
	add("no-signing-usage", "leaf has neither keyCertSign nor cRLSign", err, "no keyCertSign/cRLSign")

	// 4.4 Extended key usage: if present, serverAuth and clientAuth.
	if len(leaf.ExtKeyUsage) == 0 {
		skip("ext-key-usage", "EKU, if present, has serverAuth and clientAuth", "no EKU extension (allowed)")
	} else {
		srv, cli := false, false
		for _, u := range leaf.ExtKeyUsage {
			srv = srv || u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny
			cli = cli || u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny
		}
		err = nil
		if !srv || !cli {
			err = fmt.Errorf("EKU lacks %s", missing(map[string]bool{"serverAuth": srv, "clientAuth": cli}))
		}
		add("ext-key-usage", "EKU, if present, has serverAuth and clientAuth", err, "serverAuth+clientAuth")
	}
	return vs
}
