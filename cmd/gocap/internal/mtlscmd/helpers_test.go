package mtlscmd

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

func itoa(i int) string { return strconv.Itoa(i) }

func dnsCertDER(t *testing.T) []byte {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "web"}, DNSNames: []string{"web.example.org"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// fetchSVIDFile fetches this workload's X509-SVID from the Workload API at
// addr and writes its chain as PEM into a temp file.
func fetchSVIDFile(t *testing.T, ctx context.Context, addr string) string {
	t.Helper()
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sv, err := workloadapi.FetchX509SVID(fctx, workloadapi.WithAddr(addr))
	if err != nil {
		t.Fatal(err)
	}
	certs, _, err := sv.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "svid.pem")
	if err := os.WriteFile(p, certs, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
