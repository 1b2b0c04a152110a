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
	// SVIDs of 10s: the agent rotates them (at about half life) during the test.
	sp := spiretest.StartWithTTL(t, 10*time.Second, server, client)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
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

	// Rotation under load through SPIRE (the agent syncs every 5s, so one or two
	// rotations in 14s): go-spiffe's X509Source picks up the
	// agent's new SVIDs with no failed handshake.
	bres, err := RunBench(ctx, BenchOptions{WorkloadAPI: sp.Addr(), Rate: 20, Duration: 14 * time.Second,
		ServerID: spiffeid.RequireFromString(server), ClientID: spiffeid.RequireFromString(client)})
	if err != nil {
		t.Fatal(err)
	}
	if bres.Failed != 0 || bres.ServerRotations < 1 || bres.ClientRotations < 1 {
		t.Errorf("SPIRE rotation under load: %d failed (%v), rotations seen server %d client %d (want >= 1)", bres.Failed, bres.Errors, bres.ServerRotations, bres.ClientRotations)
	}
	t.Logf("through SPIRE rotations: %d handshakes, p99 %s, rotations %d/%d", bres.Succeeded, bres.P99, bres.ServerRotations, bres.ClientRotations)
}
