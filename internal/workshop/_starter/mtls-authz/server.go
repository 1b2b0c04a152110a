// Package mtlsauthz is the TLS setup of an orders service that only the
// checkout workload may call.
package mtlsauthz

import (
	"crypto/tls"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// ServerConfig returns the service's TLS config: mutual TLS with its SVID
// from svid, peers verified against bundles (which may hold federated trust
// domains), and only the workload allowed let in.
func ServerConfig(svid x509svid.Source, bundles x509bundle.Source, allowed spiffeid.ID) *tls.Config {
	return tlsconfig.MTLSServerConfig(svid, bundles, tlsconfig.AuthorizeAny())
}
