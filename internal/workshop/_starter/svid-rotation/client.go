// Package svidrotation is the TLS client of a workload whose SVIDs rotate.
package svidrotation

import (
	"crypto/tls"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// ClientConfig returns the TLS config for calling serverID: the client
// presents its current SVID from src (which rotates it before it expires)
// and verifies the server against bundles.
func ClientConfig(src x509svid.Source, bundles x509bundle.Source, serverID spiffeid.ID) (*tls.Config, error) {
	svid, err := src.GetX509SVID()
	if err != nil {
		return nil, err
	}
	cert := tls.Certificate{PrivateKey: svid.PrivateKey}
	for _, c := range svid.Certificates {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	cfg := tlsconfig.TLSClientConfig(bundles, tlsconfig.AuthorizeID(serverID))
	cfg.Certificates = []tls.Certificate{cert}
	return cfg, nil
}
