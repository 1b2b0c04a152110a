package mtls_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"

	"github.com/gocap/gocap/mtls"
)

// An embedded CA issues spec-conforming X509-SVIDs that go-spiffe verifies
// against the CA's bundle.
func ExampleCA_IssueX509SVID() {
	td := spiffeid.RequireTrustDomainFromString("example.org")
	ca, err := mtls.NewCA(td)
	if err != nil {
		panic(err)
	}
	svid, err := ca.IssueX509SVID(spiffeid.RequireFromPath(td, "/web"), time.Hour)
	if err != nil {
		panic(err)
	}
	leaf := svid.Certificates[0]
	fmt.Println("id:", svid.ID)
	fmt.Println("chain length:", len(svid.Certificates))
	fmt.Println("CA:", leaf.IsCA, "URI SANs:", len(leaf.URIs), "digitalSignature:", leaf.KeyUsage&x509.KeyUsageDigitalSignature != 0)
	fmt.Println("lifetime:", leaf.NotAfter.Sub(leaf.NotBefore))
	id, _, err := x509svid.Verify(svid.Certificates, ca.X509Bundle())
	fmt.Println("verified as", id, err)

	_, err = ca.IssueX509SVID(spiffeid.RequireFromString("spiffe://other.org/web"), time.Hour)
	fmt.Println(err)
	// Output:
	// id: spiffe://example.org/web
	// chain length: 2
	// CA: false URI SANs: 1 digitalSignature: true
	// lifetime: 1h0m0s
	// verified as spiffe://example.org/web <nil>
	// cannot issue spiffe://other.org/web: this CA issues for trust domain example.org
}

// JWT-SVIDs validate with go-spiffe against the CA's JWT bundle.
func ExampleCA_IssueJWTSVID() {
	td := spiffeid.RequireTrustDomainFromString("example.org")
	ca, _ := mtls.NewCA(td)
	token, err := ca.IssueJWTSVID(spiffeid.RequireFromPath(td, "/web"), []string{"db"}, 5*time.Minute)
	if err != nil {
		panic(err)
	}
	svid, err := jwtsvid.ParseAndValidate(token, jwtbundle.NewSet(ca.JWTBundle()), []string{"db"})
	fmt.Println(svid.ID, svid.Audience, err)
	// Output: spiffe://example.org/web [db] <nil>
}

// StartIssuer serves the Workload API; workloads fetch their SVIDs with
// go-spiffe's client, attested by their uid.
func ExampleStartIssuer() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			panic(err)
		}
	}()
	ctx := context.Background()
	td := spiffeid.RequireTrustDomainFromString("example.org")
	issuer, err := mtls.StartIssuer(ctx, td, dir, time.Hour, nil) // default entries: server and client for this uid
	if err != nil {
		panic(err)
	}
	defer func() {
		if err := issuer.Close(); err != nil {
			panic(err)
		}
	}()

	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	svids, err := workloadapi.FetchX509SVIDs(fctx, workloadapi.WithAddr(issuer.Addr()))
	if err != nil {
		panic(err)
	}
	for _, s := range svids {
		fmt.Println(s.ID)
	}
	// Output:
	// spiffe://example.org/server
	// spiffe://example.org/client
}

// Entries map attested callers to SPIFFE IDs with SPIRE's unix selectors;
// an entry matches when the caller has every one of its selectors.
func ExampleEntry_Matches() {
	td := spiffeid.RequireTrustDomainFromString("example.org")
	entries, err := mtls.ValidateEntries([]mtls.Entry{
		{SPIFFEID: "spiffe://example.org/web", Selectors: []string{"unix:uid:1000"}},
		{SPIFFEID: "spiffe://example.org/web-42", Selectors: []string{"unix:uid:1000", "unix:pid:42"}},
	}, td)
	if err != nil {
		panic(err)
	}
	caller := mtls.Caller{UID: 1000, GID: 1000, PID: 7}
	for _, e := range entries {
		fmt.Println(e.ID(), e.Matches(caller))
	}
	_, err = mtls.ValidateEntries([]mtls.Entry{{SPIFFEID: "spiffe://example.org/x", Selectors: []string{"k8s:ns:default"}}}, td)
	fmt.Println(err)
	// Output:
	// spiffe://example.org/web true
	// spiffe://example.org/web-42 false
	// entry 1 (spiffe://example.org/x): selector "k8s:ns:default": use unix:uid:N, unix:gid:N or unix:pid:N
}

// InspectChain reports each X509-SVID rule with its evidence.
func ExampleInspectChain() {
	td := spiffeid.RequireTrustDomainFromString("example.org")
	ca, _ := mtls.NewCA(td)
	svid, _ := ca.IssueX509SVID(spiffeid.RequireFromPath(td, "/web"), time.Hour)
	in := mtls.InspectChain(svid.Certificates, ca.X509Bundle(), time.Now())
	for _, v := range in.Verdicts {
		fmt.Println(v.Status, v.Rule)
	}
	// Output:
	// pass uri-san
	// pass spiffe-id
	// pass non-root-path
	// pass leaf-not-ca
	// pass key-usage-critical
	// pass digital-signature
	// pass no-signing-usage
	// pass ext-key-usage
	// pass validity
	// pass signing-certs
	// pass chains-to-bundle
}
