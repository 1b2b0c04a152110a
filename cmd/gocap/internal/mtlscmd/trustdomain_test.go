package mtlscmd

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/mtls"
)

// crossDomainLeaf writes a CA for example.org into dir/ca and a chain (leaf,
// intermediate) whose leaf claims id of ANOTHER trust domain yet is signed by
// example.org's intermediate: the certificate a verifier that takes the trust
// domain from the leaf would wrongly accept. It returns the chain's file, the
// root bundle's file and the CA folder.
func crossDomainLeaf(t *testing.T, id string) (chain, bundle, caDir string) {
	chain, bundle, caDir, _ = crossDomainSVID(t, id)
	return chain, bundle, caDir
}

func crossDomainSVID(t *testing.T, id string) (chain, bundle, caDir string, sv *x509svid.SVID) {
	t.Helper()
	dir := t.TempDir()
	caDir = filepath.Join(dir, "ca")
	if _, _, err := mtls.LoadOrCreateCA(caDir, spiffeid.RequireTrustDomainFromString("example.org")); err != nil {
		t.Fatal(err)
	}
	read := func(name string) *pem.Block {
		b, err := os.ReadFile(filepath.Join(caDir, name))
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		return blk
	}
	inter, err := x509.ParseCertificate(read("intermediate.pem").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(read("intermediate.key").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u, _ := url.Parse(id)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{Organization: []string{"evil"}},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:        []*url.URL{u},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, inter, &key.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	chain = filepath.Join(dir, "cross.pem")
	body := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: inter.Raw})...)
	if err := os.WriteFile(chain, body, 0o644); err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	sv = &x509svid.SVID{ID: spiffeid.RequireFromString(id), Certificates: []*x509.Certificate{leaf, inter}, PrivateKey: key}
	return chain, filepath.Join(caDir, "root.pem"), caDir, sv
}

// TestInspectRefusesCrossTrustDomainLeaf: a leaf claiming evil.test signed by
// example.org's CA does not chain to example.org's bundle: the bundle's trust
// domain comes from the bundle (its CA's SPIFFE ID), not from the leaf.
func TestInspectRefusesCrossTrustDomainLeaf(t *testing.T) {
	chain, bundle, _ := crossDomainLeaf(t, "spiffe://evil.test/workload")
	out, errOut, code := run(t, context.Background(), "inspect", chain, "--bundle", bundle)
	if code != cmdutil.ExitGate || !strings.Contains(out, "FAIL  chains-to-bundle") || !strings.Contains(out, "evil.test") || !strings.Contains(out, "example.org") ||
		!strings.Contains(errOut, "is not a conforming X509-SVID") || strings.Contains(errOut, "gate failed") {
		t.Errorf("cross-trust-domain leaf: exit %d\n%s%s", code, out, errOut)
	}
	// --trust-domain names the bundle's trust domain too; it must agree with the CA.
	out, errOut, code = run(t, context.Background(), "inspect", chain, "--bundle", bundle, "--trust-domain", "evil.test")
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "--trust-domain evil.test") || !strings.Contains(errOut, "example.org") {
		t.Errorf("--trust-domain contradicting the bundle: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = run(t, context.Background(), "inspect", chain, "--bundle", bundle, "--trust-domain", "example.org")
	if code != cmdutil.ExitGate || !strings.Contains(out, "FAIL  chains-to-bundle") {
		t.Errorf("--trust-domain example.org: exit %d\n%s%s", code, out, errOut)
	}
}

// TestInspectBundleWithoutTrustDomain: roots that name no trust domain need
// --trust-domain; the leaf does not choose it.
func TestInspectBundleWithoutTrustDomain(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "plain-root.pem")
	if err := os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: dnsCertDER(t)}), 0o644); err != nil {
		t.Fatal(err)
	}
	chain, _, _ := crossDomainLeaf(t, "spiffe://evil.test/workload")
	_, errOut, code := run(t, context.Background(), "inspect", chain, "--bundle", root)
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "--trust-domain") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("bundle without a SPIFFE ID: exit %d %q", code, errOut)
	}
}

// TestProbeRefusesCrossTrustDomainServer: a server presenting a leaf that
// claims evil.test, signed by example.org's CA, fails server-svid when the
// probe trusts example.org's bundle: the bundle is not relabelled with the
// server's claim.
func TestProbeRefusesCrossTrustDomainServer(t *testing.T) {
	_, bundle, caDir, sv := crossDomainSVID(t, "spiffe://evil.test/server")
	ca, _, err := mtls.LoadOrCreateCA(caDir, spiffeid.RequireTrustDomainFromString("example.org"))
	if err != nil {
		t.Fatal(err)
	}
	es, err := mtls.StartEchoServer(context.Background(), sv, ca.X509Bundle(), mtls.Authorize(spiffeid.RequireFromString("spiffe://example.org/client")))
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	for _, args := range [][]string{{"--bundle", bundle}, {"--ca-dir", caDir}} {
		out, errOut, code := run(t, context.Background(), append([]string{"probe", es.Addr(), "--wait", "200ms"}, args...)...)
		if code != cmdutil.ExitGate || !strings.Contains(out, "FAIL  server-svid") || !strings.Contains(out, "claims trust domain evil.test") ||
			!strings.Contains(errOut, "breaks SPIFFE mTLS rules") || strings.Contains(errOut, "gate failed") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}

// TestProbeTrustDomainFlag: --trust-domain names --bundle's trust domain;
// contradicting the bundle's CA, or without --bundle, it is bad input.
func TestProbeTrustDomainFlag(t *testing.T) {
	_, bundle, _ := crossDomainLeaf(t, "spiffe://evil.test/server")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"probe", "127.0.0.1:1", "--bundle", bundle, "--trust-domain", "evil.test"}, "its CA is trust domain example.org's"},
		{[]string{"probe", "127.0.0.1:1", "--trust-domain", "example.org"}, "give --bundle too"},
	} {
		_, errOut, code := run(t, context.Background(), c.args...)
		if code != cmdutil.ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

// TestProbeCADirWithoutCA: a folder without a CA is bad input (2), one line.
func TestProbeCADirWithoutCA(t *testing.T) {
	dir := t.TempDir()
	_, errOut, code := run(t, context.Background(), "probe", "127.0.0.1:1", "--ca-dir", dir)
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "--ca-dir "+dir+": no gocap CA there") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("exit %d %q", code, errOut)
	}
}

// TestServeOnHeldSocketWritesNothing: serve on a socket another server
// holds refuses (2) before writing anything: no CA folder with keys appears
// in that server's folder.
func TestServeOnHeldSocketWritesNothing(t *testing.T) {
	dir := t.TempDir()
	ca, err := mtls.NewCA(spiffeid.RequireTrustDomainFromString("example.org"))
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "api.sock")
	srv, err := mtls.Listen(mtls.ServerConfig{CA: ca, Entries: mtls.DefaultEntries(ca.TrustDomain(), os.Getuid()), SVIDTTL: time.Hour, Socket: sock})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	before, _ := os.ReadDir(dir)
	_, errOut, code := run(t, context.Background(), "serve", "--workload-api", "unix://"+sock)
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "already listens on "+sock) {
		t.Errorf("exit %d %q", code, errOut)
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		var names []string
		for _, e := range after {
			names = append(names, e.Name())
		}
		t.Errorf("serve wrote into the other server's folder: %v", names)
	}
}

// TestDemoServerIDWithoutEntry: an ID no registration entry covers is bad
// input (2, one line naming the ID); the embedded issuer registers the IDs
// the demo is given, in its trust domain only.
func TestDemoServerIDWithoutEntry(t *testing.T) {
	ctx := context.Background()
	ca, err := mtls.NewCA(spiffeid.RequireTrustDomainFromString("example.org"))
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "api.sock")
	srv, err := mtls.Listen(mtls.ServerConfig{CA: ca, Entries: mtls.DefaultEntries(ca.TrustDomain(), os.Getuid()), SVIDTTL: time.Hour, Socket: sock})
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	_, errOut, code := run(t, ctx, "demo", "--workload-api", srv.Addr(), "--server-id", "spiffe://example.org/nobody", "--timeout", "5s")
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "no SVID for spiffe://example.org/nobody") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("external Workload API: exit %d %q", code, errOut)
	}
	out, errOut, code := run(t, ctx, "demo", "--server-id", "spiffe://example.org/web")
	if code != 0 || !strings.Contains(out, "Server SVID   spiffe://example.org/web") {
		t.Errorf("embedded issuer, --server-id spiffe://example.org/web: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = run(t, ctx, "demo", "--server-id", "spiffe://other.org/web")
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "--server-id spiffe://other.org/web") || !strings.Contains(errOut, "example.org") {
		t.Errorf("embedded issuer, another trust domain: exit %d %q", code, errOut)
	}
}

// startTestServer serves a Workload API for example.org (default entries)
// on a temp socket until the test ends.
func startTestServer(t *testing.T) *mtls.Server {
	t.Helper()
	ca, err := mtls.NewCA(spiffeid.RequireTrustDomainFromString("example.org"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mtls.Listen(mtls.ServerConfig{CA: ca, Entries: mtls.DefaultEntries(ca.TrustDomain(), os.Getuid()), SVIDTTL: time.Hour, Socket: filepath.Join(t.TempDir(), "api.sock")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return srv
}

// TestSpiffeEndpointSocketEveryCommand: without --workload-api, every mtls
// command uses $SPIFFE_ENDPOINT_SOCKET (demo used to start its own issuer).
func TestSpiffeEndpointSocketEveryCommand(t *testing.T) {
	srv := startTestServer(t)
	t.Setenv("SPIFFE_ENDPOINT_SOCKET", srv.Addr())
	ctx := context.Background()
	out, errOut, code := run(t, ctx, "demo")
	if code != 0 || !strings.Contains(out, "Workload API  "+srv.Addr()+" (external)") {
		t.Errorf("demo: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = run(t, ctx, "bench", "--rate", "20", "--duration", "1s", "--json")
	if code != 0 || !strings.Contains(out, `"workload_api": "`+srv.Addr()+`"`) {
		t.Errorf("bench: exit %d\n%s%s", code, out, errOut)
	}
	pemFile := fetchSVIDFile(t, ctx, srv.Addr())
	out, errOut, code = run(t, ctx, "inspect", pemFile)
	if code != 0 || !strings.Contains(out, "PASS  chains-to-bundle") {
		t.Errorf("inspect: exit %d\n%s%s", code, out, errOut)
	}
	// serve listens there: it is held, so it refuses, naming the socket.
	// (A serve that ignored it would listen elsewhere until this guard ends it.)
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, errOut, code = run(t, sctx, "serve")
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, strings.TrimPrefix(srv.Addr(), "unix://")) {
		t.Errorf("serve: exit %d %q", code, errOut)
	}
	t.Setenv("SPIFFE_ENDPOINT_SOCKET", "/relative.sock")
	_, errOut, code = run(t, ctx, "demo")
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, `$SPIFFE_ENDPOINT_SOCKET "/relative.sock"`) {
		t.Errorf("bad $SPIFFE_ENDPOINT_SOCKET: exit %d %q", code, errOut)
	}
}

// TestReadmeSocketLineWithoutTMPDIR: the README's shell line for the serve
// socket gives the socket serve listens on, TMPDIR set or not.
func TestReadmeSocketLineWithoutTMPDIR(t *testing.T) {
	b, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "export SPIFFE_ENDPOINT_SOCKET=") || strings.Contains(l, "--workload-api unix://$TMPDIR") {
			line = l
			break
		}
	}
	if line == "" {
		t.Fatal("README: no line exporting the serve socket")
	}
	for _, tmp := range []string{"", "/var/tmp"} {
		cmd := exec.Command("sh", "-c", "unset TMPDIR; [ -n \"$T\" ] && export TMPDIR=\"$T\"; "+line+"; echo \"$SPIFFE_ENDPOINT_SOCKET\"")
		cmd.Env = append(os.Environ(), "T="+tmp)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		t.Setenv("TMPDIR", tmp)
		if got, want := strings.TrimSpace(string(out)), "unix://"+mtls.DefaultSocket(); got != want {
			t.Errorf("TMPDIR=%q: the README's %q gives %q; serve listens on %q", tmp, line, got, want)
		}
	}
}

// checkSVIDFiles asserts dir holds svid.0.pem, svid.0.key (0600, the
// leaf's key) and bundle.0.pem, and that inspect passes the SVID against
// the bundle.
func checkSVIDFiles(t *testing.T, dir, wantID string) {
	t.Helper()
	st, err := os.Stat(filepath.Join(dir, "svid.0.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("svid.0.key: %v %v", st, err)
	}
	chain, err := os.ReadFile(filepath.Join(dir, "svid.0.pem"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dir, "svid.0.key"))
	if err != nil {
		t.Fatal(err)
	}
	sv, err := x509svid.Parse(chain, key)
	if err != nil || sv.ID.String() != wantID {
		t.Fatalf("svid.0.pem + svid.0.key: %v %v", sv, err)
	}
	out, errOut, code := run(t, context.Background(), "inspect", filepath.Join(dir, "svid.0.pem"), "--bundle", filepath.Join(dir, "bundle.0.pem"))
	if code != 0 || !strings.Contains(out, "PASS  chains-to-bundle") {
		t.Errorf("inspect the written SVID: exit %d\n%s%s", code, out, errOut)
	}
}

// TestSVIDWrite: gocap mtls svid --write DIR writes the files spire-agent
// api fetch x509 -write does, from a Workload API and from a CA folder.
func TestSVIDWrite(t *testing.T) {
	srv := startTestServer(t)
	dir := filepath.Join(t.TempDir(), "svid")
	out, errOut, code := run(t, context.Background(), "svid", "--workload-api", srv.Addr(), "--write", dir, "--json")
	var list []mtls.SVIDFile
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 || list[0].ID != "spiffe://example.org/server" {
		t.Fatalf("svid --write: exit %d\n%s%s", code, out, errOut)
	}
	checkSVIDFiles(t, dir, "spiffe://example.org/server")
	for _, f := range []string{"svid.1.pem", "svid.1.key", "bundle.1.pem"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("second SVID: %v", err)
		}
	}

	_, _, caDir := crossDomainLeaf(t, "spiffe://evil.test/x")
	dir2 := filepath.Join(t.TempDir(), "minted")
	out, errOut, code = run(t, context.Background(), "svid", "--ca-dir", caDir, "--id", "spiffe://example.org/web", "--write", dir2)
	if code != 0 || !strings.Contains(out, "spiffe://example.org/web") || !strings.Contains(out, filepath.Join(dir2, "svid.0.key")) {
		t.Fatalf("svid --ca-dir: exit %d\n%s%s", code, out, errOut)
	}
	checkSVIDFiles(t, dir2, "spiffe://example.org/web")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"svid", "--ca-dir", caDir}, "--id"},
		{[]string{"svid", "--id", "spiffe://example.org/web"}, "--ca-dir"},
		{[]string{"svid", "--ca-dir", caDir, "--id", "spiffe://other.org/web"}, "trust domain example.org"},
		{[]string{"svid", "--ca-dir", t.TempDir(), "--id", "spiffe://example.org/web"}, "no gocap CA there"},
		{[]string{"svid", "--write", filepath.Join(dir, "svid.0.pem"), "--workload-api", srv.Addr()}, "is a file"},
	} {
		_, errOut, code := run(t, context.Background(), c.args...)
		if code != cmdutil.ExitUsage || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}
