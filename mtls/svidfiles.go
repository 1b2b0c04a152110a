package mtls

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"

	"github.com/gocap/gocap/internal/atomicfile"
)

// SVIDFile is one X509-SVID written by WriteSVIDFiles.
type SVIDFile struct {
	ID       string    `json:"id"`
	Serial   string    `json:"serial"`
	NotAfter time.Time `json:"not_after"`
	// Files are the paths written for it: svid.N.pem, svid.N.key,
	// bundle.N.pem, then federated_bundle.N.M.pem.
	Files []string `json:"files"`
}

// FetchSVIDs returns every X509-SVID the Workload API at addr issues to
// this workload, and its bundles (own and federated), waiting at most
// timeout.
func FetchSVIDs(ctx context.Context, addr string, timeout time.Duration) ([]*x509svid.SVID, *x509bundle.Set, error) {
	if err := CheckAddr(addr); err != nil {
		return nil, nil, err
	}
	fctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	xc, err := workloadapi.FetchX509Context(fctx, workloadapi.WithAddr(addr))
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, &WorkloadAPIError{Addr: addr, Err: fmt.Errorf("no X509-SVID within %s (is a registration entry matching uid %d?): %w", timeout, os.Getuid(), err)}
	}
	return xc.SVIDs, xc.Bundles, nil
}

// MintSVID issues a fresh X509-SVID for id with the CA kept in caDir (a
// `gocap mtls serve` CA folder), valid for ttl, and returns it with the CA's
// bundle.
func MintSVID(caDir string, id spiffeid.ID, ttl time.Duration) (*x509svid.SVID, *x509bundle.Set, error) {
	ca, err := loadCA(caDir)
	if err != nil {
		return nil, nil, &CADirError{Dir: caDir, Err: err}
	}
	if id.TrustDomain() != ca.td {
		return nil, nil, &CADirError{Dir: caDir, Err: fmt.Errorf("its CA issues for trust domain %s, not for %s", ca.td, id)}
	}
	sv, err := ca.IssueX509SVID(id, ttl)
	if err != nil {
		return nil, nil, err
	}
	return sv, x509bundle.NewSet(ca.X509Bundle()), nil
}

// WriteSVIDFiles writes each SVID into dir as `spire-agent api fetch x509
// -write` does, so that tools made for SPIRE's files read gocap's: for SVID
// N, svid.N.pem (its chain, leaf first), svid.N.key (PKCS#8, mode 0600),
// bundle.N.pem (its trust domain's roots) and federated_bundle.N.M.pem (the
// other trust domains' roots, sorted by name). Every SVID must chain to its
// own trust domain's bundle (authorities naming another trust domain do
// not count); all are checked before any file is written. dir is created
// 0700 when missing; files are written atomically.
func WriteSVIDFiles(dir string, svids []*x509svid.SVID, bundles *x509bundle.Set) ([]SVIDFile, error) {
	if len(svids) == 0 {
		return nil, errors.New("no X509-SVID to write")
	}
	type file struct {
		name string
		data []byte
		perm os.FileMode
	}
	var files []file
	var out []SVIDFile
	src := TrustDomainBundles(bundles)
	for i, sv := range svids {
		own, err := src.GetX509BundleForTrustDomain(sv.ID.TrustDomain())
		if err != nil {
			return nil, fmt.Errorf("SVID %s: no bundle for its trust domain: %w", sv.ID, err)
		}
		if _, _, err := x509svid.Verify(sv.Certificates, x509bundle.NewSet(own)); err != nil {
			return nil, fmt.Errorf("SVID %s does not chain to its trust domain's bundle: %w", sv.ID, err)
		}
		chain, key, err := sv.Marshal()
		if err != nil {
			return nil, fmt.Errorf("SVID %s: %w", sv.ID, err)
		}
		n := fmt.Sprint(i)
		fs := []file{
			{"svid." + n + ".pem", chain, 0o644},
			{"svid." + n + ".key", key, 0o600},
			{"bundle." + n + ".pem", certsPEM(own.X509Authorities()), 0o644},
		}
		others := slices.DeleteFunc(bundles.Bundles(), func(b *x509bundle.Bundle) bool { return b.TrustDomain() == sv.ID.TrustDomain() })
		slices.SortFunc(others, func(a, b *x509bundle.Bundle) int {
			return strings.Compare(a.TrustDomain().Name(), b.TrustDomain().Name())
		})
		for j, b := range others {
			fs = append(fs, file{fmt.Sprintf("federated_bundle.%d.%d.pem", i, j), certsPEM(b.X509Authorities()), 0o644})
		}
		w := SVIDFile{ID: sv.ID.String(), Serial: sv.Certificates[0].SerialNumber.Text(16), NotAfter: sv.Certificates[0].NotAfter}
		for _, f := range fs {
			w.Files = append(w.Files, filepath.Join(dir, f.name))
		}
		files = append(files, fs...)
		out = append(out, w)
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.name), f.data, f.perm); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func certsPEM(certs []*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}
