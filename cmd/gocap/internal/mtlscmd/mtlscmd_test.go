package mtlscmd

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/mtls"
)

func run(t *testing.T, ctx context.Context, args ...string) (string, string, int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmd(ios, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(ctx)
	if err != nil {
		errOut.WriteString(cmdutil.Message(err) + "\n")
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--trust-domain", "Bad Domain!"}, "--trust-domain"},
		{[]string{"serve", "--svid-ttl", "1s"}, "--svid-ttl 1s is too short"},
		{[]string{"serve", "--entries", "/nonexistent.json"}, "entries file /nonexistent.json"},
		{[]string{"demo", "--workload-api", "/tmp/x.sock"}, "unix:///abs/path"},
		{[]string{"demo", "--server-id", "http://x"}, "--server-id"},
		{[]string{"bench", "--rate", "0"}, "--rate 0"},
		{[]string{"bench", "--duration", "10ms"}, "--duration"},
		{[]string{"bench", "--bogus"}, "unknown flag"},
		{[]string{"probe", "nohostport"}, "not HOST:PORT"},
		{[]string{"probe", "127.0.0.1:1", "--unauthorized", "spiffe://"}, "--unauthorized"},
		{[]string{"probe", "127.0.0.1:1", "--bundle", "/nonexistent.pem"}, "--bundle /nonexistent.pem"},
		{[]string{"inspect", "/nonexistent.pem"}, "/nonexistent.pem"},
		{[]string{"demo", "--workload-api", "unix:///nonexistent/api.sock"}, "start one with `gocap mtls serve --socket /nonexistent/api.sock`"},
	} {
		_, errOut, code := run(t, ctx, c.args...)
		if code != cmdutil.ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: more than one error line: %q", c.args, errOut)
		}
	}
}

func TestEntriesFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"notjson":  "{",
		"wrongtd":  `{"entries":[{"spiffe_id":"spiffe://other.org/x","selectors":["unix:uid:0"]}]}`,
		"badsel":   `{"entries":[{"spiffe_id":"spiffe://example.org/x","selectors":["k8s:ns:default"]}]}`,
		"rootpath": `{"entries":[{"spiffe_id":"spiffe://example.org","selectors":["unix:uid:0"]}]}`,
		"empty":    `{"entries":[]}`,
	} {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := run(t, context.Background(), "serve", "--entries", p, "--socket", filepath.Join(dir, name, "api.sock"))
		if code != cmdutil.ExitUsage || !strings.Contains(errOut, p) {
			t.Errorf("%s: exit %d %q", name, code, errOut)
		}
	}
}

// TestServeThenEveryCommand: gocap mtls serve on a temp socket, then demo,
// inspect and probe against it through --workload-api.
func TestServeThenEveryCommand(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "run", "api.sock")
	caDir := filepath.Join(dir, "ca")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	ios, _, _, serveErr := iostreams.Test()
	td := spiffeid.RequireTrustDomainFromString("example.org")
	entries, _ := mtls.ValidateEntries([]mtls.Entry{
		{SPIFFEID: "spiffe://example.org/server", Selectors: []string{"unix:uid:" + itoa(os.Getuid())}},
		{SPIFFEID: "spiffe://example.org/client", Selectors: []string{"unix:uid:" + itoa(os.Getuid())}},
	}, td)
	go func() {
		done <- RunServe(ctx, &ServeOptions{Common: &Common{IO: ios}, TrustDomain: td, Socket: sock, CADir: caDir, SVIDTTL: time.Hour, Entries: entries, Ready: func(a string) { ready <- a }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	// Key files 0600, socket folder 0700.
	for _, k := range []string{"root.key", "intermediate.key", "jwt.key"} {
		st, err := os.Stat(filepath.Join(caDir, k))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", k, st.Mode().Perm(), err)
		}
	}
	if st, _ := os.Stat(filepath.Dir(sock)); st.Mode().Perm() != 0o700 {
		t.Errorf("socket folder %v", st.Mode().Perm())
	}

	out, errOut, code := run(t, ctx, "demo", "--workload-api", addr)
	if code != 0 || !strings.Contains(out, `"hello spiffe://example.org/client"`) || strings.Count(out, "\n  refused ") != 3 {
		t.Errorf("demo: exit %d\n%s\n%s", code, out, errOut)
	}

	// inspect an SVID fetched from the Workload API.
	pemFile := fetchSVIDFile(t, ctx, addr)
	out, errOut, code = run(t, ctx, "inspect", pemFile, "--workload-api", addr)
	if code != 0 || !strings.Contains(out, "0 failed") || !strings.Contains(out, "chains-to-bundle") {
		t.Errorf("inspect: exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = run(t, ctx, "inspect", pemFile, "--json", "--bundle", filepath.Join(caDir, "root.pem"))
	var in mtls.Inspection
	if code != 0 || json.Unmarshal([]byte(out), &in) != nil || !in.OK() || len(in.Verdicts) < 10 {
		t.Errorf("inspect --json: exit %d %s", code, out)
	}

	// probe a service whose SVID comes from the same Workload API.
	src, err := mtls.NewSource(ctx, addr, spiffeid.RequireFromString("spiffe://example.org/server"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := src.Close(); err != nil {
			t.Errorf("close X.509 source: %v", err)
		}
	})
	es, err := mtls.StartEchoServer(ctx, src, src, mtls.Authorize(spiffeid.RequireFromString("spiffe://example.org/client")))
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	out, errOut, code = run(t, ctx, "probe", es.Addr(), "--workload-api", addr, "--ca-dir", caDir, "--wait", "200ms",
		"--expect-authorized", "spiffe://example.org/client", "--unauthorized", "spiffe://example.org/intruder")
	if code != 0 || !strings.Contains(out, "8 passed, 0 failed, 0 skipped") {
		t.Errorf("probe: exit %d\n%s\n%s", code, out, errOut)
	}

	// With only the bundle the probe judges what it can and skips the rest.
	out, errOut, code = run(t, ctx, "probe", es.Addr(), "--bundle", filepath.Join(caDir, "root.pem"), "--wait", "200ms")
	if code != 0 || !strings.Contains(out, "PASS  server-svid") || !strings.Contains(out, "3 passed, 0 failed, 5 skipped") {
		t.Errorf("probe --bundle: exit %d\n%s\n%s", code, out, errOut)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left behind after cancel: %v", err)
	}
	if !strings.Contains(serveErr.String(), "Workload API listening on "+addr) {
		t.Errorf("serve status: %s", serveErr)
	}
}

func TestInspectBadCertificates(t *testing.T) {
	dir := t.TempDir()
	// A DNS-only certificate (not an SVID): a valid PEM, failing rules, exit 1.
	dns := filepath.Join(dir, "dns.pem")
	if err := os.WriteFile(dns, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: dnsCertDER(t)}), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, context.Background(), "inspect", dns)
	if code != cmdutil.ExitGate || !strings.Contains(out, "only DNS SANs [web.example.org]") {
		t.Errorf("DNS-only: exit %d\n%s", code, out)
	}
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("-----BEGIN CERTIFICATE-----\nnot base64\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, context.Background(), "inspect", bad)
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "not a PEM certificate chain") {
		t.Errorf("malformed: exit %d %q", code, errOut)
	}
}

func TestBenchShort(t *testing.T) {
	out, errOut, code := run(t, context.Background(), "bench", "--rate", "50", "--duration", "2s", "--svid-ttl", "3s", "--json")
	var res mtls.BenchResult
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("bench: exit %d\n%s\n%s", code, out, errOut)
	}
	if res.Failed != 0 || res.Succeeded < 90 || res.ServerRotations < 1 {
		t.Errorf("bench: %+v", res)
	}
	if !strings.Contains(errOut, "rotations expected") {
		t.Errorf("no note about too few rotations: %q", errOut)
	}
}

func TestServeFlags(t *testing.T) {
	dir := t.TempDir()
	entries := filepath.Join(dir, "entries.json")
	if err := os.WriteFile(entries, []byte(`{"entries":[{"spiffe_id":"spiffe://corp.test/web","selectors":["unix:uid:1000","unix:pid:42"],"hint":"internal"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := iostreams.Test()
	var got *ServeOptions
	cmd := NewCmdServe(&Common{IO: ios}, func(_ context.Context, o *ServeOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--trust-domain", "corp.test", "--socket", filepath.Join(dir, "s", "api.sock"), "--svid-ttl", "10m", "--entries", entries})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.TrustDomain.Name() != "corp.test" || got.SVIDTTL != 10*time.Minute || got.CADir != filepath.Join(dir, "s", "ca-corp.test") {
		t.Errorf("options %+v", got)
	}
	if len(got.Entries) != 1 || got.Entries[0].ID().String() != "spiffe://corp.test/web" || got.Entries[0].Hint != "internal" {
		t.Errorf("entries %+v", got.Entries)
	}
	// --workload-api alone sets the socket.
	cmd = NewCmdServe(&Common{IO: ios, WorkloadAPI: "unix:///run/x/api.sock"}, func(_ context.Context, o *ServeOptions) error { got = o; return nil })
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil || got.Socket != "/run/x/api.sock" || len(got.Entries) != 2 {
		t.Errorf("--workload-api: %v %+v", err, got)
	}
}
