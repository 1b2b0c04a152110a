package mtls

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gocap/gocap/internal/testclose"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

func byRule(r *ProbeResult) map[string]Verdict {
	m := map[string]Verdict{}
	for _, v := range r.Verdicts {
		m[v.Rule] = v
	}
	return m
}

func TestProbeConformingServiceWithCADir(t *testing.T) {
	ca := newCA(t, "example.org")
	dir := t.TempDir()
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	es, err := StartEchoServer(context.Background(), issue(t, ca, idServer, time.Hour), ca.X509Bundle(), Authorize(idClient))
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	res, err := Probe(context.Background(), ProbeOptions{Addr: es.Addr(), CADir: dir, ServerID: idServer,
		Authorized: []spiffeid.ID{idClient}, Unauthorized: []spiffeid.ID{spiffeid.RequireFromString("spiffe://example.org/intruder")}, Wait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Verdicts {
		t.Logf("%-28s %s  %s", v.Rule, v.Status, v.Evidence)
		if v.Status != Pass {
			t.Errorf("rule %s: %s (%s)", v.Rule, v.Status, v.Evidence)
		}
	}
	if len(res.Verdicts) != 8 || !res.OK() || res.ServerID != idServer.String() {
		t.Errorf("verdicts %d ok %v server %s", len(res.Verdicts), res.OK(), res.ServerID)
	}
}

func TestProbeWithWorkloadAPI(t *testing.T) {
	uid := "unix:uid:" + strconv.Itoa(os.Getuid())
	entries, _ := ValidateEntries([]Entry{
		{SPIFFEID: idServer.String(), Selectors: []string{uid}},
		{SPIFFEID: idClient.String(), Selectors: []string{uid}},
		{SPIFFEID: "spiffe://example.org/intruder", Selectors: []string{uid}},
	}, tdExample)
	srv, _ := startServer(t, time.Hour, entries)
	ctx := context.Background()
	src, err := NewSource(ctx, srv.Addr(), idServer, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "X.509 source", src)
	es, err := StartEchoServer(ctx, src, src, Authorize(idClient))
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	res, err := Probe(ctx, ProbeOptions{Addr: es.Addr(), WorkloadAPI: srv.Addr(), Authorized: []spiffeid.ID{idClient},
		Unauthorized: []spiffeid.ID{spiffeid.RequireFromString("spiffe://example.org/intruder")}, Wait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	v := byRule(res)
	for _, r := range []string{"server-svid", "tls13", "requires-client-cert", "accepts-authorized", "refuses-other-trust-domain", "refuses-unauthorized-id"} {
		if v[r].Status != Pass {
			t.Errorf("%s: %+v", r, v[r])
		}
	}
	if v["refuses-expired-svid"].Status != Skip {
		t.Errorf("expired without a CA: %+v", v["refuses-expired-svid"])
	}
}

// TestProbeNonConformingService: a plain TLS 1.2 server with a DNS
// certificate and no client authentication fails every rule it can.
func TestProbeNonConformingService(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "web"}, DNSNames: []string{"web.example.org"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12})
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
			// A bad server: whatever the handshake gives, the probe judges it.
			go func() { _ = c.(*tls.Conn).Handshake(); time.Sleep(2 * time.Second); _ = c.Close() }()
		}
	}()
	ca := newCA(t, "example.org")
	dir := t.TempDir()
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	res, err := Probe(context.Background(), ProbeOptions{Addr: l.Addr().String(), CADir: dir, Unauthorized: []spiffeid.ID{spiffeid.RequireFromString("spiffe://example.org/intruder")}, Wait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	v := byRule(res)
	for _, r := range []string{"server-svid", "tls13", "requires-client-cert", "refuses-other-trust-domain", "refuses-unauthorized-id", "refuses-expired-svid"} {
		if v[r].Status != Fail {
			t.Errorf("%s: %+v, want fail", r, v[r])
		}
		t.Logf("%s: %s", r, v[r].Evidence)
	}
	if res.OK() {
		t.Error("OK")
	}
}

func TestProbeUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Probe(context.Background(), ProbeOptions{Addr: addr, Wait: 100 * time.Millisecond})
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("closed port: %v", err)
	}
	// A plaintext service is not a TLS service.
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "listener", pl)
	go func() {
		for {
			c, err := pl.Accept()
			if err != nil {
				return
			}
			// The probe's verdict comes from its own side of the connection.
			_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			_ = c.Close()
		}
	}()
	_, err = Probe(context.Background(), ProbeOptions{Addr: pl.Addr().String(), Wait: 100 * time.Millisecond})
	if err == nil || errors.Is(err, ErrUnreachable) {
		t.Errorf("plaintext service: %v", err)
	} else {
		t.Log(err)
	}
}
