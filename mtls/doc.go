// Package mtls is gocap's SPIFFE mTLS area, built on go-spiffe v2.9.
//
// It holds an embedded SPIFFE issuer: a CA (ECDSA P-256 root and
// intermediate) issuing X509-SVIDs and JWT-SVIDs ([CA]), and a Workload API
// server on a Unix socket that attests callers by their socket peer
// credentials and maps them to SPIFFE IDs through registration entries
// ([Listen], [Server], [Entry], [StartIssuer]). On top of it: an mTLS demo
// with server and client workloads using workloadapi.X509Source ([RunDemo]),
// steady-rate handshakes through SVID rotations ([RunBench]), a per-rule
// conformance probe of a running service ([Probe]) and an X509-SVID
// inspector ([InspectChain]); [Lab] is the `gocap run` lab.
//
// Every client of a Workload API here (gocap's or a SPIRE agent's) goes
// through go-spiffe; the package never prints.
//
//	issuer, err := mtls.StartIssuer(ctx, td, dir, time.Hour, nil)
//	...
//	src, err := mtls.NewSource(ctx, issuer.Addr(), serverID, 15*time.Second)
//	cfg := tlsconfig.MTLSServerConfig(src, mtls.TrustDomainBundles(src), mtls.Authorize(clientID))
package mtls
