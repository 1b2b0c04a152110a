package mtls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/gocap/gocap/internal/atomicfile"
)

// CA lifetimes: the root signs the intermediate, the intermediate signs SVIDs.
const (
	rootLifetime         = 365 * 24 * time.Hour
	intermediateLifetime = 90 * 24 * time.Hour
	// MinSVIDTTL is the shortest SVID lifetime the issuer accepts.
	MinSVIDTTL = 3 * time.Second
)

// CA is an embedded SPIFFE issuer for one trust domain: an ECDSA P-256 root,
// an intermediate that signs X509-SVIDs, and a key that signs JWT-SVIDs.
// A CA is safe for concurrent use.
type CA struct {
	td       spiffeid.TrustDomain
	root     *x509.Certificate
	rootKey  *ecdsa.PrivateKey
	inter    *x509.Certificate
	interKey *ecdsa.PrivateKey
	jwtKey   *ecdsa.PrivateKey
	jwtKID   string
	now      func() time.Time
}

// NewCA creates a fresh CA for the trust domain, keys held in memory only.
func NewCA(td spiffeid.TrustDomain) (*CA, error) {
	if td.IsZero() {
		return nil, errors.New("trust domain is empty")
	}
	ca := &CA{td: td, now: time.Now}
	var err error
	if ca.rootKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if ca.interKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if ca.jwtKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	now := ca.now().Add(-time.Minute).Truncate(time.Second)
	tdURI := td.ID().URL()
	rootTmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"gocap"}, CommonName: "gocap root CA " + td.Name()},
		NotBefore:             now,
		NotAfter:              now.Add(rootLifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		URIs:                  []*url.URL{tdURI},
	}
	if ca.root, err = sign(rootTmpl, nil, &ca.rootKey.PublicKey, ca.rootKey); err != nil {
		return nil, err
	}
	interTmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"gocap"}, CommonName: "gocap intermediate CA " + td.Name()},
		NotBefore:             now,
		NotAfter:              now.Add(intermediateLifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		URIs:                  []*url.URL{tdURI},
	}
	if ca.inter, err = sign(interTmpl, ca.root, &ca.interKey.PublicKey, ca.rootKey); err != nil {
		return nil, err
	}
	ca.jwtKID = keyID(&ca.jwtKey.PublicKey)
	return ca, nil
}

// sign creates a certificate from tmpl signed by parentKey (self-signed when
// parent is nil), with a random 128-bit serial number.
func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func keyID(pub *ecdsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:12])
}

// TrustDomain returns the CA's trust domain.
func (ca *CA) TrustDomain() spiffeid.TrustDomain { return ca.td }

// Root returns the root certificate (the trust anchor in the bundle).
func (ca *CA) Root() *x509.Certificate { return ca.root }

// Intermediate returns the intermediate certificate that signs SVIDs.
func (ca *CA) Intermediate() *x509.Certificate { return ca.inter }

// X509Bundle returns the trust domain's X.509 bundle: the root certificate.
func (ca *CA) X509Bundle() *x509bundle.Bundle {
	return x509bundle.FromX509Authorities(ca.td, []*x509.Certificate{ca.root})
}

// JWTBundle returns the trust domain's JWT bundle: the JWT signing public key.
func (ca *CA) JWTBundle() *jwtbundle.Bundle {
	return jwtbundle.FromJWTAuthorities(ca.td, map[string]crypto.PublicKey{ca.jwtKID: &ca.jwtKey.PublicKey})
}

// IssueX509SVID issues an X509-SVID for id, valid for ttl from now: a fresh
// P-256 key, exactly one URI SAN, CA=false, KeyUsage digitalSignature
// (critical), ExtKeyUsage serverAuth+clientAuth; the chain is leaf then
// intermediate. It fails for an ID of another trust domain, an ID with the
// root path, or a ttl under MinSVIDTTL or beyond the intermediate's life.
func (ca *CA) IssueX509SVID(id spiffeid.ID, ttl time.Duration) (*x509svid.SVID, error) {
	return ca.issueX509SVIDAt(id, ttl, ca.now())
}

// issueX509SVIDAt issues an SVID whose validity starts at now (a past now
// makes an expired SVID, which the probe and tests use).
func (ca *CA) issueX509SVIDAt(id spiffeid.ID, ttl time.Duration, now time.Time) (*x509svid.SVID, error) {
	if id.TrustDomain() != ca.td {
		return nil, fmt.Errorf("cannot issue %s: this CA issues for trust domain %s", id, ca.td)
	}
	return ca.mint(id, ttl, now)
}

// mintCrossDomain signs an SVID claiming id of ANOTHER trust domain with
// this CA: what the probe presents to check that a service does not let one
// trust domain's CA vouch for another's IDs. Never served to workloads.
func (ca *CA) mintCrossDomain(id spiffeid.ID, ttl time.Duration) (*x509svid.SVID, error) {
	if id.TrustDomain() == ca.td {
		return nil, fmt.Errorf("%s is of this CA's own trust domain", id)
	}
	return ca.mint(id, ttl, ca.now())
}

func (ca *CA) mint(id spiffeid.ID, ttl time.Duration, now time.Time) (*x509svid.SVID, error) {
	if id.Path() == "" {
		return nil, fmt.Errorf("cannot issue %s: an X509-SVID's SPIFFE ID needs a non-root path", id)
	}
	if ttl < MinSVIDTTL {
		return nil, fmt.Errorf("SVID TTL %s is too short: use at least %s", ttl, MinSVIDTTL)
	}
	now = now.Truncate(time.Second)
	notAfter := now.Add(ttl)
	if notAfter.After(ca.inter.NotAfter) {
		return nil, fmt.Errorf("SVID TTL %s outlives the intermediate CA (expires %s)", ttl, ca.inter.NotAfter.Format(time.RFC3339))
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"gocap"}},
		NotBefore:             now,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  false,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:                  []*url.URL{id.URL()},
	}
	leaf, err := ca.signLeaf(tmpl, &key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &x509svid.SVID{ID: id, Certificates: []*x509.Certificate{leaf, ca.inter}, PrivateKey: key}, nil
}

// signLeaf signs any leaf template with the intermediate (tests use it to
// craft non-conforming certificates).
func (ca *CA) signLeaf(tmpl *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	return sign(tmpl, ca.inter, pub, ca.interKey)
}

// IssueJWTSVID issues a JWT-SVID (ES256, kid header) for id and audience,
// valid for ttl.
func (ca *CA) IssueJWTSVID(id spiffeid.ID, audience []string, ttl time.Duration) (string, error) {
	if id.TrustDomain() != ca.td {
		return "", fmt.Errorf("cannot issue %s: this CA issues for trust domain %s", id, ca.td)
	}
	if len(audience) == 0 {
		return "", errors.New("a JWT-SVID needs at least one audience")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: ca.jwtKey},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), ca.jwtKID))
	if err != nil {
		return "", err
	}
	now := ca.now()
	return jwt.Signed(signer).Claims(jwt.Claims{
		Subject:  id.String(),
		Audience: jwt.Audience(audience),
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(ttl)),
	}).Serialize()
}

// CA files in a CA folder.
const (
	fileRoot     = "root.pem"
	fileRootKey  = "root.key"
	fileInter    = "intermediate.pem"
	fileInterKey = "intermediate.key"
	fileJWTKey   = "jwt.key"
)

// LoadOrCreateCA loads the CA kept in dir, or creates one there (dir 0700,
// key files 0600, written atomically) when dir holds none or its
// certificates expired. It fails when dir holds a CA of another trust
// domain or unreadable files. created reports whether a new CA was made.
func LoadOrCreateCA(dir string, td spiffeid.TrustDomain) (ca *CA, created bool, err error) {
	if _, err := os.Stat(filepath.Join(dir, fileRoot)); err == nil {
		ca, err := loadCA(dir)
		if err != nil {
			return nil, false, fmt.Errorf("CA folder %s: %w (remove the folder to start a new CA)", dir, err)
		}
		if ca.td != td {
			return nil, false, fmt.Errorf("CA folder %s holds trust domain %s, not %s: use another --ca-dir", dir, ca.td, td)
		}
		if ca.now().Before(ca.inter.NotAfter.Add(-24 * time.Hour)) {
			return ca, false, nil
		}
	}
	ca, err = NewCA(td)
	if err != nil {
		return nil, false, err
	}
	if err := ca.Save(dir); err != nil {
		return nil, false, err
	}
	return ca, true, nil
}

// Save writes the CA to dir: certificates 0644, private keys 0600, dir 0700.
func (ca *CA) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("CA folder %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("CA folder %s: %w", dir, err)
	}
	certPEM := func(c *x509.Certificate) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	files := []struct {
		name string
		data func() ([]byte, error)
		perm os.FileMode
	}{
		{fileRoot, func() ([]byte, error) { return certPEM(ca.root), nil }, 0o644},
		{fileInter, func() ([]byte, error) { return certPEM(ca.inter), nil }, 0o644},
		{fileRootKey, func() ([]byte, error) { return keyPEM(ca.rootKey) }, 0o600},
		{fileInterKey, func() ([]byte, error) { return keyPEM(ca.interKey) }, 0o600},
		{fileJWTKey, func() ([]byte, error) { return keyPEM(ca.jwtKey) }, 0o600},
	}
	for _, f := range files {
		b, err := f.data()
		if err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(dir, f.name), b, f.perm); err != nil {
			return err
		}
	}
	return nil
}

func keyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// CADirError says a folder holds no usable gocap CA: bad input.
type CADirError struct {
	Dir string
	Err error
}

func (e *CADirError) Error() string {
	if errors.Is(e.Err, os.ErrNotExist) {
		return fmt.Sprintf("--ca-dir %s: no gocap CA there (%s is missing): give the folder `gocap mtls serve` names in its first line (default ca-TRUST-DOMAIN beside its socket)", e.Dir, filepath.Base(firstPath(e.Err)))
	}
	return fmt.Sprintf("--ca-dir %s: %v", e.Dir, e.Err)
}

func (e *CADirError) Unwrap() error { return e.Err }

func firstPath(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path
	}
	return fileRoot
}

func loadCA(dir string) (*CA, error) {
	ca := &CA{now: time.Now}
	var err error
	if ca.root, err = readCert(filepath.Join(dir, fileRoot)); err != nil {
		return nil, err
	}
	if ca.inter, err = readCert(filepath.Join(dir, fileInter)); err != nil {
		return nil, err
	}
	for _, k := range []struct {
		name string
		dst  **ecdsa.PrivateKey
	}{{fileRootKey, &ca.rootKey}, {fileInterKey, &ca.interKey}, {fileJWTKey, &ca.jwtKey}} {
		if *k.dst, err = readKey(filepath.Join(dir, k.name)); err != nil {
			return nil, err
		}
	}
	if len(ca.root.URIs) != 1 {
		return nil, errors.New("root certificate has no trust domain URI")
	}
	id, err := spiffeid.FromURI(ca.root.URIs[0])
	if err != nil {
		return nil, fmt.Errorf("root certificate: %w", err)
	}
	ca.td = id.TrustDomain()
	if err := ca.inter.CheckSignatureFrom(ca.root); err != nil {
		return nil, fmt.Errorf("intermediate is not signed by the root: %w", err)
	}
	if !ca.interKey.PublicKey.Equal(ca.inter.PublicKey) {
		return nil, errors.New("intermediate key does not match its certificate")
	}
	ca.jwtKID = keyID(&ca.jwtKey.PublicKey)
	return ca, nil
}

func readCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM CERTIFICATE block", path)
	}
	return x509.ParseCertificate(blk.Bytes)
}

func readKey(path string) (*ecdsa.PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: key file mode %o is open to others: chmod 600 it", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PEM PRIVATE KEY block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ECDSA key", path)
	}
	return ek, nil
}
