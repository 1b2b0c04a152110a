package mtls

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
)

// Authorize returns a go-spiffe authorizer that accepts a peer whose
// SPIFFE ID is one of ids and whose leaf also passes the X509-SVID rules
// go-spiffe's x509svid.Verify leaves out (non-root path, digitalSignature,
// critical KeyUsage, EKU serverAuth+clientAuth).
// With no ids it accepts any conforming ID of the bundle's trust domains.
func Authorize(ids ...spiffeid.ID) tlsconfig.Authorizer {
	inner := tlsconfig.AuthorizeAny()
	if len(ids) > 0 {
		inner = tlsconfig.AuthorizeOneOf(ids...)
	}
	return func(id spiffeid.ID, chains [][]*x509.Certificate) error {
		if len(chains) == 0 || len(chains[0]) == 0 {
			return errors.New("no verified chain")
		}
		if err := leafExtraRules(id, chains[0][0]); err != nil {
			return err
		}
		return inner(id, chains)
	}
}

// leafExtraRules applies every X509-SVID leaf rule (see InspectChain) to a
// verified peer: go-spiffe's x509svid.Verify leaves out the non-root path,
// digitalSignature, critical KeyUsage and EKU rules.
func leafExtraRules(id spiffeid.ID, leaf *x509.Certificate) error {
	for _, v := range *leafRules(leaf) {
		if v.Status == Fail {
			return fmt.Errorf("peer X509-SVID %s breaks rule %s: %s", id, v.Rule, v.Evidence)
		}
	}
	return nil
}
