package mtls

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestDemoEmbedded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := RunDemo(ctx, DemoOptions{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Embedded || !strings.HasPrefix(res.WorkloadAPI, "unix:///") {
		t.Errorf("workload API %q embedded=%v", res.WorkloadAPI, res.Embedded)
	}
	if res.Server.ID != "spiffe://example.org/server" || res.Client.ID != "spiffe://example.org/client" {
		t.Errorf("SVIDs %+v %+v", res.Server, res.Client)
	}
	h := res.Handshake
	if h.Version != "TLS 1.3" || h.PeerID != "spiffe://example.org/server" || h.Reply != "hello spiffe://example.org/client" {
		t.Errorf("handshake %+v", h)
	}
	if h.Handshake <= 0 || h.Total < h.Handshake {
		t.Errorf("latencies %v %v", h.Handshake, h.Total)
	}
	want := map[string]string{
		"client of another trust domain":                                "other-example.org",
		"client with an unauthorized SPIFFE ID":                         "unexpected ID",
		"client without a certificate":                                  "certificate",
		"client claiming another trust domain, signed by this one's CA": "no X.509 bundle for trust domain \"other-example.org\"",
	}
	if len(res.Refusals) != 4 {
		t.Fatalf("refusals %+v", res.Refusals)
	}
	for _, r := range res.Refusals {
		if !r.Refused {
			t.Errorf("%s: not refused: %+v", r.Name, r)
		}
		if !strings.Contains(r.ServerErr, want[r.Name]) {
			t.Errorf("%s: server error %q lacks %q", r.Name, r.ServerErr, want[r.Name])
		}
		t.Logf("%s: client %q server %q", r.Name, r.ClientErr, r.ServerErr)
	}
	if !res.OK() {
		t.Error("demo not OK")
	}
}
