package mtlscmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/gocap/gocap/mtls"
	"github.com/gocap/gocap/mtls/spiretest"
)

// TestEveryCommandWithSPIRE runs demo, bench, inspect and probe with
// --workload-api pointing at a real SPIRE v1.13.3 agent's socket.
func TestEveryCommandWithSPIRE(t *testing.T) {
	const server, client = "spiffe://example.org/server", "spiffe://example.org/client"
	sp := spiretest.Start(t, server, client)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	api := sp.Addr()

	out, errOut, code := run(t, ctx, "demo", "--workload-api", api, "--server-id", server, "--client-id", client)
	if code != 0 || !strings.Contains(out, "(external)") || !strings.Contains(out, `"hello `+client+`"`) || strings.Count(out, "\n  refused ") != 3 {
		t.Errorf("demo via SPIRE: exit %d\n%s\n%s", code, out, errOut)
	}

	out, errOut, code = run(t, ctx, "bench", "--workload-api", api, "--rate", "50", "--duration", "2s", "--json")
	var res mtls.BenchResult
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Failed != 0 || res.Succeeded < 90 || res.WorkloadAPI != api {
		t.Errorf("bench via SPIRE: exit %d\n%s\n%s", code, out, errOut)
	}

	pemFile := fetchSVIDFile(t, ctx, api)
	out, errOut, code = run(t, ctx, "inspect", pemFile, "--workload-api", api)
	if code != 0 || !strings.Contains(out, "0 failed") || !strings.Contains(out, "PASS  chains-to-bundle") {
		t.Errorf("inspect SPIRE SVID: exit %d\n%s\n%s", code, out, errOut)
	}

	// svid --write writes what spire-agent api fetch x509 -write writes.
	gdir, sdir := t.TempDir(), t.TempDir()
	out, errOut, code = run(t, ctx, "svid", "--workload-api", api, "--write", gdir)
	if code != 0 {
		t.Errorf("svid --write via SPIRE: exit %d\n%s\n%s", code, out, errOut)
	}
	if o, err := sp.AgentAPI("fetch", "x509", "-write", sdir); err != nil {
		t.Fatalf("spire-agent api fetch x509 -write: %v\n%s", err, o)
	}
	names := func(dir string) []string {
		es, _ := os.ReadDir(dir)
		var ns []string
		for _, e := range es {
			ns = append(ns, e.Name())
		}
		return ns
	}
	if g, s := names(gdir), names(sdir); strings.Join(g, " ") != strings.Join(s, " ") || len(g) < 3 {
		t.Errorf("gocap wrote %v, spire-agent %v", g, s)
	}
	for _, dir := range []string{gdir, sdir} {
		out, errOut, code = run(t, ctx, "inspect", filepath.Join(dir, "svid.0.pem"), "--bundle", filepath.Join(dir, "bundle.0.pem"))
		if code != 0 || !strings.Contains(out, "PASS  chains-to-bundle") {
			t.Errorf("inspect %s: exit %d\n%s\n%s", dir, code, out, errOut)
		}
	}
	for _, f := range []string{"bundle.0.pem"} {
		g, _ := os.ReadFile(filepath.Join(gdir, f))
		s, _ := os.ReadFile(filepath.Join(sdir, f))
		if string(g) != string(s) {
			t.Errorf("%s differs between gocap and spire-agent", f)
		}
	}

	// probe a service whose SVID comes from SPIRE, trusting SPIRE's bundle.
	src, err := mtls.NewSource(ctx, api, spiffeid.RequireFromString(server), 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := src.Close(); err != nil {
			t.Errorf("close X.509 source: %v", err)
		}
	})
	es, err := mtls.StartEchoServer(ctx, src, src, mtls.Authorize(spiffeid.RequireFromString(client)))
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	out, errOut, code = run(t, ctx, "probe", es.Addr(), "--workload-api", api, "--wait", "200ms",
		"--server-id", server, "--expect-authorized", client, "--unauthorized", server)
	if code != 0 || !strings.Contains(out, "6 passed, 0 failed, 2 skipped") || !strings.Contains(out, "skip  refuses-expired-svid") {
		t.Errorf("probe via SPIRE: exit %d\n%s\n%s", code, out, errOut)
	}
}
