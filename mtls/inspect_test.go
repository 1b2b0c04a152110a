package mtls

import (
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestInspectConformingSVID(t *testing.T) {
	ca := newCA(t, "example.org")
	sv := issue(t, ca, idServer, time.Hour)
	in := InspectChain(sv.Certificates, ca.X509Bundle(), time.Now())
	if !in.OK() {
		t.Fatalf("gocap's own SVID fails: %+v", in.Failed())
	}
	got := map[string]string{}
	for _, v := range in.Verdicts {
		got[v.Rule] = v.Status
	}
	for _, r := range []string{"uri-san", "spiffe-id", "non-root-path", "leaf-not-ca", "key-usage-critical", "digital-signature", "no-signing-usage", "ext-key-usage", "validity", "signing-certs", "chains-to-bundle"} {
		if got[r] != Pass {
			t.Errorf("rule %s: %q, want pass", r, got[r])
		}
	}
	// Without a bundle the chain's own links are checked and trust is skipped.
	in = InspectChain(sv.Certificates, nil, time.Now())
	for _, v := range in.Verdicts {
		if v.Rule == "chains-to-bundle" && v.Status != Skip || v.Rule == "chain-signatures" && v.Status != Pass {
			t.Errorf("no bundle: %+v", v)
		}
	}
}

func TestInspectRejectsEachViolation(t *testing.T) {
	ca := newCA(t, "example.org")
	for _, c := range badCases(t, ca) {
		t.Run(c.name, func(t *testing.T) {
			in := InspectChain(c.svid.Certificates, ca.X509Bundle(), time.Now())
			if in.OK() {
				t.Fatalf("accepted")
			}
			var found bool
			for _, v := range in.Failed() {
				if v.Rule == c.rule {
					found = true
					if v.Evidence == "" {
						t.Errorf("rule %s failed without saying why", v.Rule)
					}
					t.Logf("%s: %s", v.Rule, v.Evidence)
				}
			}
			if !found {
				t.Errorf("rule %s did not fail; failed: %+v", c.rule, in.Failed())
			}
		})
	}
}

func TestInspectWrongTrustDomain(t *testing.T) {
	ours, other := newCA(t, "example.org"), newCA(t, "example.org")
	sv := issue(t, other, idClient, time.Hour)
	in := InspectChain(sv.Certificates, ours.X509Bundle(), time.Now())
	f := in.Failed()
	if len(f) != 1 || f[0].Rule != "chains-to-bundle" || !strings.Contains(f[0].Evidence, "unknown authority") {
		t.Errorf("a chain of another CA: %+v", f)
	}
}

func TestParsePEMChainMalformed(t *testing.T) {
	ca := newCA(t, "example.org")
	good := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: issue(t, ca, idClient, time.Hour).Certificates[0].Raw})
	for name, in := range map[string]string{
		"empty":      "",
		"not pem":    "hello",
		"truncated":  string(good[:len(good)/2]),
		"bad der":    string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})),
		"wrong type": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})),
		"trailing":   string(good) + "garbage",
	} {
		if _, err := ParsePEMChain([]byte(in)); !errors.Is(err, ErrBadPEM) {
			t.Errorf("%s: err %v, want ErrBadPEM", name, err)
		}
	}
	certs, err := ParsePEMChain(good)
	if err != nil || len(certs) != 1 {
		t.Errorf("good PEM: %v", err)
	}
}
