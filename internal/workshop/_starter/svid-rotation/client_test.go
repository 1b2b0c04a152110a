package svidrotation

import (
	"crypto/tls"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"example.com/workshop/internal/measure"
	"example.com/workshop/internal/spiffetest"
)

// rotating is an x509svid.Source like a Workload API client's: the current
// SVID changes on every rotation.
type rotating struct {
	mu  sync.Mutex
	cur *x509svid.SVID
}

func (r *rotating) GetX509SVID() (*x509svid.SVID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur, nil
}

func (r *rotating) set(s *x509svid.SVID) { r.mu.Lock(); r.cur = s; r.mu.Unlock() }

// TestHandshakesAcrossRotations: SVIDs live 10 minutes and rotate every 5
// on the server's clock, which the test moves forward 20 times. Every
// handshake must succeed.
func TestHandshakesAcrossRotations(t *testing.T) {
	ca, err := spiffetest.NewCA("example.org")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	var clockMu sync.Mutex
	clock := t0
	now := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }

	srvSVID, err := ca.IssueNow("spiffe://example.org/api")
	if err != nil {
		t.Fatal(err)
	}
	srvCert := tls.Certificate{PrivateKey: srvSVID.PrivateKey, Certificate: [][]byte{srvSVID.Certificates[0].Raw}}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Root())
	server := &tls.Config{
		Certificates: []tls.Certificate{srvCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    roots,
		Time:         now, // the server checks client SVIDs' validity on this clock
		MinVersion:   tls.VersionTLS13,
	}
	issue := func(at time.Time) *x509svid.SVID {
		s, err := ca.Issue("spiffe://example.org/worker", at.Add(-time.Minute), at.Add(10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	src := &rotating{cur: issue(t0)}
	cfg, err := ClientConfig(src, ca.Bundle(), spiffeid.RequireFromString("spiffe://example.org/api"))
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	const rounds = 20
	for i := 1; i <= rounds; i++ {
		clockMu.Lock()
		clock = t0.Add(time.Duration(i) * 5 * time.Minute)
		clockMu.Unlock()
		src.set(issue(now())) // the Workload API pushed a fresh SVID
		if err := spiffetest.Handshake(cfg, server); err != nil {
			failed++
			if failed == 1 {
				t.Logf("handshake %d failed: %v", i, err)
			}
		}
	}
	measure.Report(t, "failed_handshakes", failed)
	if failed > 0 {
		t.Fatalf("%d of %d handshakes failed across SVID rotations: the client keeps presenting its first SVID", failed, rounds)
	}
}
