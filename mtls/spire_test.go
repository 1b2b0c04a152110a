package mtls

import (
	"context"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"

	"github.com/gocap/gocap/mtls/spiretest"
)

// TestSPIREInterop runs gocap's workloads and handshake against a real SPIRE
// agent's Workload API, and checks SPIRE's SVIDs with gocap's inspector.
func TestSPIREInterop(t *testing.T) {
	server, client := "spiffe://example.org/server", "spiffe://example.org/client"
	sp := spiretest.Start(t, server, client)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := RunDemo(ctx, DemoOptions{WorkloadAPI: sp.Addr(), ServerID: spiffeid.RequireFromString(server), ClientID: spiffeid.RequireFromString(client)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Embedded || res.WorkloadAPI != sp.Addr() {
		t.Errorf("demo used %s (embedded %v), want the agent", res.WorkloadAPI, res.Embedded)
	}
	if res.Handshake.PeerID != server || res.Handshake.Reply != "hello "+client || res.Handshake.Version != "TLS 1.3" {
		t.Errorf("handshake through SPIRE: %+v", res.Handshake)
	}
	for _, r := range res.Refusals {
		if !r.Refused {
			t.Errorf("with SPIRE SVIDs, %s was not refused: %+v", r.Name, r)
		}
	}
	t.Logf("SPIRE SVIDs: server %+v client %+v; handshake %s", res.Server, res.Client, res.Handshake.Handshake)

	// SPIRE's own SVIDs pass every rule of gocap's inspector.
	fctx, fcancel := context.WithTimeout(ctx, 10*time.Second)
	defer fcancel()
	xc, err := workloadapi.FetchX509Context(fctx, workloadapi.WithAddr(sp.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	td := spiffeid.RequireTrustDomainFromString("example.org")
	bundle, err := xc.Bundles.GetX509BundleForTrustDomain(td)
	if err != nil {
		t.Fatal(err)
	}
	for _, sv := range xc.SVIDs {
		in := InspectChain(sv.Certificates, bundle, time.Now())
		if !in.OK() {
			t.Errorf("SPIRE SVID %s fails gocap's inspector: %+v", sv.ID, in.Failed())
		}
	}
}
