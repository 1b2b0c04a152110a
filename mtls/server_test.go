package mtls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/internal/testclose"
	"github.com/spiffe/go-spiffe/v2/proto/spiffe/workload"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func startServer(t *testing.T, ttl time.Duration, entries []Entry) (*Server, *CA) {
	t.Helper()
	ca := newCA(t, "example.org")
	if entries == nil {
		entries = DefaultEntries(tdExample, os.Getuid())
	}
	srv, err := Listen(ServerConfig{CA: ca, Entries: entries, SVIDTTL: ttl, Socket: filepath.Join(t.TempDir(), "sock", "api.sock")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, ca
}

func rawClient(t *testing.T, srv *Server) workload.SpiffeWorkloadAPIClient {
	t.Helper()
	conn, err := grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close gRPC client: %v", err)
		}
	})
	return workload.NewSpiffeWorkloadAPIClient(conn)
}

func withHeader(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "workload.spiffe.io", "true")
}

func TestServerRefusesWithoutHeader(t *testing.T) {
	srv, _ := startServer(t, time.Hour, nil)
	c := rawClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.FetchX509SVID(ctx, &workload.X509SVIDRequest{})
	if err == nil {
		_, err = st.Recv()
	}
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "workload.spiffe.io") {
		t.Errorf("stream without header: %v, want InvalidArgument naming the header", err)
	}
	_, err = c.FetchJWTSVID(ctx, &workload.JWTSVIDRequest{Audience: []string{"a"}})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("unary without header: %v", err)
	}
	// Unimplemented methods stay unimplemented (the embedded server answers).
	wst, err := c.FetchWITSVID(withHeader(ctx), &workload.WITSVIDRequest{})
	if err == nil {
		_, err = wst.Recv()
	}
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("FetchWITSVID: %v", err)
	}
}

func TestServerFirstAnswerCompleteAndPermissions(t *testing.T) {
	srv, ca := startServer(t, time.Hour, nil)
	st, err := os.Stat(filepath.Dir(strings.TrimPrefix(srv.Addr(), "unix://")))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("socket folder mode %v (%v), want 0700", st.Mode().Perm(), err)
	}
	c := rawClient(t, srv)
	ctx, cancel := context.WithTimeout(withHeader(context.Background()), 5*time.Second)
	defer cancel()
	start := time.Now()
	stream, err := c.FetchX509SVID(ctx, &workload.X509SVIDRequest{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("first answer took %s", d)
	}
	if len(resp.Svids) != 2 || resp.Svids[0].SpiffeId != idServer.String() || resp.Svids[1].SpiffeId != idClient.String() {
		t.Fatalf("svids %v", resp.Svids)
	}
	for _, s := range resp.Svids {
		if len(s.Bundle) == 0 || len(s.X509SvidKey) == 0 || len(s.X509Svid) == 0 {
			t.Errorf("incomplete SVID message for %s", s.SpiffeId)
		}
		if string(s.Bundle) != string(ca.Root().Raw) {
			t.Errorf("bundle is not the root")
		}
	}
	// go-spiffe's own client parses it.
	svids, err := workloadapi.FetchX509SVIDs(ctx, workloadapi.WithAddr(srv.Addr()))
	if err != nil || len(svids) != 2 {
		t.Fatalf("go-spiffe FetchX509SVIDs: %v", err)
	}
	bundles, err := workloadapi.FetchX509Bundles(ctx, workloadapi.WithAddr(srv.Addr()))
	if err != nil || !bundles.Has(tdExample) {
		t.Fatalf("FetchX509Bundles: %v", err)
	}
}

func TestServerAttestsByPeerCredentials(t *testing.T) {
	pid := os.Getpid()
	uid := os.Getuid()
	entries, err := ValidateEntries([]Entry{
		{SPIFFEID: "spiffe://example.org/this-pid", Selectors: []string{"unix:pid:" + strconv.Itoa(pid), "unix:uid:" + strconv.Itoa(uid)}},
		{SPIFFEID: "spiffe://example.org/other-pid", Selectors: []string{"unix:pid:" + strconv.Itoa(pid+1)}},
		{SPIFFEID: "spiffe://example.org/other-uid", Selectors: []string{"unix:uid:" + strconv.Itoa(uid+4242)}},
	}, tdExample)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := startServer(t, time.Hour, entries)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	svids, err := workloadapi.FetchX509SVIDs(ctx, workloadapi.WithAddr(srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	if len(svids) != 1 || svids[0].ID.String() != "spiffe://example.org/this-pid" {
		t.Errorf("got %v, want only this process's entry", svids)
	}

	// A caller matching no entry gets PermissionDenied.
	none, _ := ValidateEntries([]Entry{{SPIFFEID: "spiffe://example.org/x", Selectors: []string{"unix:uid:" + strconv.Itoa(uid+1)}}}, tdExample)
	srv2, _ := startServer(t, time.Hour, none)
	c := rawClient(t, srv2)
	st, err := c.FetchX509SVID(withHeader(ctx), &workload.X509SVIDRequest{})
	if err == nil {
		_, err = st.Recv()
	}
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "unix:uid:"+strconv.Itoa(uid)) {
		t.Errorf("unmatched caller: %v", err)
	}
}

func TestServerPushesRotationBeforeHalfLife(t *testing.T) {
	ttl := 4 * time.Second
	srv, _ := startServer(t, ttl, nil)
	c := rawClient(t, srv)
	ctx, cancel := context.WithTimeout(withHeader(context.Background()), 10*time.Second)
	defer cancel()
	stream, err := c.FetchX509SVID(ctx, &workload.X509SVIDRequest{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	old, err := x509.ParseCertificates(first.Svids[0].X509Svid)
	if err != nil {
		t.Fatal(err)
	}
	next, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	fresh, err := x509.ParseCertificates(next.Svids[0].X509Svid)
	if err != nil {
		t.Fatal(err)
	}
	half := old[0].NotBefore.Add(old[0].NotAfter.Sub(old[0].NotBefore) / 2)
	if !at.Before(half) {
		t.Errorf("fresh SVID pushed at %s, after the old one's half life %s", at.Format(time.StampMilli), half.Format(time.StampMilli))
	}
	if fresh[0].SerialNumber.Cmp(old[0].SerialNumber) == 0 {
		t.Error("pushed the same SVID")
	}
	if len(next.Svids) != 2 {
		t.Errorf("update is not the complete state: %d SVIDs", len(next.Svids))
	}
	if srv.Rotations() < 1 {
		t.Errorf("rotations %d", srv.Rotations())
	}
}

func TestServerJWTSVID(t *testing.T) {
	srv, _ := startServer(t, time.Hour, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addr := workloadapi.WithAddr(srv.Addr())
	sv, err := workloadapi.FetchJWTSVID(ctx, jwtsvid.Params{Audience: "db", Subject: idClient}, addr)
	if err != nil {
		t.Fatal(err)
	}
	if sv.ID != idClient {
		t.Errorf("JWT-SVID for %s", sv.ID)
	}
	bundles, err := workloadapi.FetchJWTBundles(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwtsvid.ParseAndValidate(sv.Marshal(), bundles, []string{"db"}); err != nil {
		t.Errorf("validate locally: %v", err)
	}
	got, err := workloadapi.ValidateJWTSVID(ctx, sv.Marshal(), "db", addr)
	if err != nil || got.ID != idClient {
		t.Errorf("ValidateJWTSVID: %v %v", got, err)
	}
	if _, err := workloadapi.ValidateJWTSVID(ctx, sv.Marshal(), "web", addr); status.Code(err) != codes.InvalidArgument {
		t.Errorf("wrong audience: %v", err)
	}
	if _, err := workloadapi.FetchJWTSVID(ctx, jwtsvid.Params{Audience: "db", Subject: spiffeid.RequireFromString("spiffe://example.org/nope")}, addr); status.Code(err) != codes.PermissionDenied {
		t.Errorf("JWT for a foreign entry: %v", err)
	}
}

func TestListenRefusesLiveSocketAndReplacesStale(t *testing.T) {
	srv, ca := startServer(t, time.Hour, nil)
	sock := strings.TrimPrefix(srv.Addr(), "unix://")
	_, err := Listen(ServerConfig{CA: ca, Entries: DefaultEntries(tdExample, 0), SVIDTTL: time.Hour, Socket: sock})
	if err == nil || !strings.Contains(err.Error(), "already listens") {
		t.Errorf("second server on a live socket: %v", err)
	}
	stale := filepath.Join(t.TempDir(), "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := l.Close(); err != nil { // leaves a socket file nobody listens on
		t.Fatal(err)
	}
	s2, err := Listen(ServerConfig{CA: ca, Entries: DefaultEntries(tdExample, 0), SVIDTTL: time.Hour, Socket: stale})
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	if err := s2.lis.Close(); err != nil {
		t.Error(err)
	}
}

func TestWorkloadAPIMissingOrUnreachable(t *testing.T) {
	dir := t.TempDir()
	missing := "unix://" + filepath.Join(dir, "nope.sock")
	ctx := context.Background()
	_, err := NewSource(ctx, missing, spiffeid.ID{}, time.Second)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "nope.sock")) || !strings.Contains(err.Error(), "gocap mtls serve") || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing socket: %v", err)
	}
	dead := filepath.Join(dir, "dead.sock")
	l, err := net.Listen("unix", dead)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := l.Close(); err != nil { // leaves a socket file nobody listens on
		t.Fatal(err)
	}
	_, err = NewSource(ctx, "unix://"+dead, spiffeid.ID{}, time.Second)
	if err == nil || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), dead) || !strings.Contains(err.Error(), "gocap mtls serve") {
		t.Errorf("dead socket: %v", err)
	}
	if _, err := NewSource(ctx, "unix://relative.sock", spiffeid.ID{}, time.Second); err == nil || !strings.Contains(err.Error(), "bad address") {
		t.Errorf("relative address: %v", err)
	}
}

// TestServerRefusesBadClients: every bad client the server workload must
// refuse, refused with a reason on the server side.
func TestServerRefusesBadClients(t *testing.T) {
	ca := newCA(t, "example.org")
	other := newCA(t, "other.org")
	srvSVID := issue(t, ca, idServer, time.Hour)
	es, err := StartEchoServer(context.Background(), srvSVID, ca.X509Bundle(), Authorize(idClient))
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	ctx := context.Background()
	clientCfg := func(cert *tls.Certificate) *tls.Config {
		cfg := ClientConfig(srvSVID, ca.X509Bundle(), idServer)
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if cert == nil {
				return &tls.Certificate{}, nil
			}
			return cert, nil
		}
		return cfg
	}
	// The good client first: the refusals below are the server's choice.
	h, err := Dial(ctx, es.Addr(), clientCfg(tlsCert(issue(t, ca, idClient, time.Hour))))
	if err != nil || h.Reply != "hello "+idClient.String() {
		t.Fatalf("good client: %v %+v", err, h)
	}
	drain(es)
	type tc struct {
		name, why string
		cert      *tls.Certificate
	}
	cases := []tc{
		{"wrong trust domain", "other.org", tlsCert(issue(t, other, spiffeid.RequireFromString("spiffe://other.org/client"), time.Hour))},
		{"unauthorized ID", "unexpected ID \"spiffe://example.org/intruder\"", tlsCert(issue(t, ca, spiffeid.RequireFromString("spiffe://example.org/intruder"), time.Hour))},
		{"no client certificate", "didn't provide a certificate", nil},
	}
	want := map[string]string{
		"CA certificate as leaf": "CA flag",
		"two URI SANs":           "more than one URI SAN",
		"DNS SAN only":           "no URI SAN",
		"root-path SPIFFE ID":    "rule non-root-path",
		"no digitalSignature":    "rule digital-signature",
		"expired SVID":           "expired",
		"KeyUsage not critical":  "rule key-usage-critical",
		"EKU serverAuth only":    "rule ext-key-usage",
	}
	for _, b := range badCases(t, ca) {
		if w, ok := want[b.name]; ok {
			cases = append(cases, tc{b.name, w, tlsCert(b.svid)})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			drain(es)
			_, err := Dial(ctx, es.Addr(), clientCfg(c.cert))
			if err == nil {
				t.Fatal("client was accepted")
			}
			ev, werr := waitEvent(ctx, es, 2*time.Second)
			if werr != nil || ev.Err == nil || !strings.Contains(ev.Err.Error(), c.why) {
				t.Errorf("server reason %v (%v), want it to contain %q", ev.Err, werr, c.why)
			}
		})
	}
	t.Run("plaintext client", func(t *testing.T) {
		drain(es)
		conn, err := net.Dial("tcp", es.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer testclose.OK(t, "connection", conn)
		if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		ev, werr := waitEvent(ctx, es, 2*time.Second)
		if werr != nil || ev.Err == nil || !strings.Contains(ev.Err.Error(), "does not look like a TLS handshake") {
			t.Errorf("plaintext: %v %v", ev.Err, werr)
		}
	})
}
