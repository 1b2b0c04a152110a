package mtls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gocap/gocap/internal/testclose"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
)

// handshakePair runs one full mTLS handshake over an in-memory pipe: the
// server on a goroutine, the client here. Both sides' CPU is measured.
func handshakePair(b *testing.B, serverCfg, clientCfg *tls.Config) {
	c, s := net.Pipe()
	var wg sync.WaitGroup
	var serr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		srv := tls.Server(s, serverCfg)
		serr = srv.Handshake()
		if serr == nil {
			// TLS 1.3: the server verifies the client's certificate during its
			// handshake; read the client's byte to finish the exchange.
			buf := make([]byte, 1)
			_, serr = srv.Read(buf)
		}
		_ = s.Close() // net.Pipe's Close always returns nil
	}()
	cl := tls.Client(c, clientCfg)
	err := cl.Handshake()
	if err == nil {
		_, err = cl.Write([]byte{1})
	}
	wg.Wait()
	_ = c.Close() // net.Pipe's Close always returns nil
	if err != nil || serr != nil {
		b.Fatalf("handshake: client %v, server %v", err, serr)
	}
}

// BenchmarkHandshake compares full mTLS handshakes (TLS 1.3, ECDSA P-256,
// leaf + intermediate chains, client and server both verifying) three ways:
//
//   - plain: crypto/tls with the same certificates, verified by x509 roots;
//   - spiffe-static: go-spiffe's tlsconfig with SVIDs held in memory;
//   - spiffe-workloadapi: go-spiffe's tlsconfig over workloadapi.X509Source
//     fed by gocap's Workload API (what workloads do).
//
// The handshakes/s metric of each is printed side by side by make bench-mtls.
func BenchmarkHandshake(b *testing.B) {
	ca := newCA(b, "example.org")
	ssv, csv := issue(b, ca, idServer, time.Hour), issue(b, ca, idClient, time.Hour)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Root())
	// Wall-clock rates swing with other load on a shared machine; the
	// process CPU time per handshake (client and server sides together) is
	// the steadier measure of the cost, reported as handshakes per CPU-second.
	var cpu0 time.Duration
	start := func(b *testing.B) { cpu0 = processCPU(b) }
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		b.ReportMetric(float64(b.N)/(processCPU(b)-cpu0).Seconds(), "handshakes/cpu-s")
	}
	b.Run("plain", func(b *testing.B) {
		srvCert, cliCert := tlsCert(ssv), tlsCert(csv)
		scfg := &tls.Config{Certificates: []tls.Certificate{*srvCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots, MinVersion: tls.VersionTLS13}
		// GetClientCertificate, as go-spiffe does: with Certificates crypto/tls
		// would also re-parse the chain against the server's acceptable CAs.
		ccfg := &tls.Config{GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cliCert, nil },
			MinVersion: tls.VersionTLS13, InsecureSkipVerify: true, VerifyPeerCertificate: verifyWithRoots(roots)}
		b.ResetTimer()
		start(b)
		for b.Loop() {
			handshakePair(b, scfg, ccfg)
		}
		report(b)
	})
	b.Run("spiffe-static", func(b *testing.B) {
		scfg := tlsconfig.MTLSServerConfig(ssv, ca.X509Bundle(), Authorize(idClient))
		ccfg := tlsconfig.MTLSClientConfig(csv, ca.X509Bundle(), Authorize(idServer))
		b.ResetTimer()
		start(b)
		for b.Loop() {
			handshakePair(b, scfg, ccfg)
		}
		report(b)
	})
	b.Run("spiffe-workloadapi", func(b *testing.B) {
		is, err := StartIssuer(context.Background(), tdExample, b.TempDir(), time.Hour, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer testclose.OK(b, "issuer", is)
		w, err := startWorkloads(context.Background(), is.Addr(), idServer, idClient, 10*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		defer testclose.OK(b, "workloads", w)
		scfg := tlsconfig.MTLSServerConfig(w.serverSrc, w.serverSrc, Authorize(idClient))
		ccfg := tlsconfig.MTLSClientConfig(w.clientSrc, w.clientSrc, Authorize(idServer))
		b.ResetTimer()
		start(b)
		for b.Loop() {
			handshakePair(b, scfg, ccfg)
		}
		report(b)
	})
}

// verifyWithRoots verifies the server chain like crypto/tls would, without
// a DNS name (the certificates carry only a URI SAN).
func verifyWithRoots(roots *x509.CertPool) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		certs := make([]*x509.Certificate, len(raw))
		for i, r := range raw {
			c, err := x509.ParseCertificate(r)
			if err != nil {
				return err
			}
			certs[i] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		return err
	}
}

// BenchmarkRotationToFirstHandshake measures, per SVID rotation of the
// server workload, the time from the issuer minting the new SVID to the
// first client handshake that sees it, with handshakes back to back. One
// iteration waits for one rotation (TTL 3s: about every 1.35s), so run it
// with -benchtime Nx.
func BenchmarkRotationToFirstHandshake(b *testing.B) {
	var mu sync.Mutex
	rotatedAt := map[string]time.Time{}
	ca := newCA(b, "example.org")
	srv, err := Listen(ServerConfig{CA: ca, Entries: DefaultEntries(tdExample, uidForBench()), SVIDTTL: MinSVIDTTL,
		Socket: filepath.Join(b.TempDir(), "api.sock"),
		OnRotate: func(id spiffeid.ID, serial string) {
			if id == idServer {
				mu.Lock()
				rotatedAt[serial] = time.Now()
				mu.Unlock()
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			b.Errorf("Workload API server: %v", err)
		}
	}()
	w, err := startWorkloads(ctx, srv.Addr(), idServer, idClient, 10*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer testclose.OK(b, "workloads", w)
	cfg := ClientConfig(w.clientSrc, w.clientSrc, idServer)
	seen := map[string]bool{}
	var total, worst time.Duration
	b.ResetTimer()
	for n := 0; n < b.N; {
		h, err := Dial(ctx, w.server.Addr(), cfg)
		if err != nil {
			b.Fatalf("handshake failed during rotation: %v", err)
		}
		if seen[h.PeerSerial] {
			continue
		}
		seen[h.PeerSerial] = true
		mu.Lock()
		at, ok := rotatedAt[h.PeerSerial]
		mu.Unlock()
		if !ok {
			continue // the first SVID, not a rotation
		}
		d := time.Since(at)
		total += d
		worst = max(worst, d)
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/rotation-to-handshake")
	b.ReportMetric(float64(worst.Microseconds())/1000, "ms-worst")
}

// processCPU is the user+system CPU time this process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
