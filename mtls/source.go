package mtls

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

// DefaultSocket is where `gocap mtls serve` listens unless told otherwise:
// $TMPDIR/gocap-mtls-UID/api.sock (the folder is 0700).
func DefaultSocket() string {
	return filepath.Join(os.TempDir(), "gocap-mtls-"+strconv.Itoa(os.Getuid()), "api.sock")
}

// DefaultAddr is the Workload API address clients use by default:
// $SPIFFE_ENDPOINT_SOCKET when set, else unix:// + DefaultSocket().
func DefaultAddr() string {
	if a, ok := workloadapi.GetDefaultAddress(); ok && a != "" {
		return a
	}
	return "unix://" + DefaultSocket()
}

// WorkloadAPIError says a Workload API cannot be reached and how to start one.
type WorkloadAPIError struct {
	Addr string
	Err  error
}

func (e *WorkloadAPIError) Error() string {
	return fmt.Sprintf("Workload API %s: %v: start one with `gocap mtls serve --socket %s` or point --workload-api at a running SPIRE agent", e.Addr, e.Err, socketPath(e.Addr))
}

func (e *WorkloadAPIError) Unwrap() error { return e.Err }

func socketPath(addr string) string {
	if p, ok := strings.CutPrefix(addr, "unix://"); ok {
		return p
	}
	return DefaultSocket()
}

// CheckAddr validates a Workload API address and, for a Unix socket, that a
// server is listening there. The error is a *WorkloadAPIError naming the
// socket.
func CheckAddr(addr string) error {
	if err := workloadapi.ValidateAddress(addr); err != nil {
		return &WorkloadAPIError{Addr: addr, Err: fmt.Errorf("bad address (use unix:///abs/path): %w", err)}
	}
	p, ok := strings.CutPrefix(addr, "unix://")
	if !ok {
		return nil
	}
	if !filepath.IsAbs(p) {
		return &WorkloadAPIError{Addr: addr, Err: errors.New("bad address (use unix:///abs/path, three slashes)")}
	}
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &WorkloadAPIError{Addr: addr, Err: errors.New("socket does not exist")}
		}
		return &WorkloadAPIError{Addr: addr, Err: err}
	}
	if st.Mode()&os.ModeSocket == 0 {
		return &WorkloadAPIError{Addr: addr, Err: errors.New("not a socket")}
	}
	c, err := net.DialTimeout("unix", p, 2*time.Second)
	if err != nil {
		return &WorkloadAPIError{Addr: addr, Err: fmt.Errorf("unreachable (%w)", unwrapOp(err))}
	}
	_ = c.Close() // only probed that it accepts
	return nil
}

func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// NoSVIDError says a Workload API issues no SVID for the ID asked for to
// this workload: no registration entry covers it (bad input).
type NoSVIDError struct {
	Addr    string
	ID      spiffeid.ID
	UID     int
	Offered []string // the IDs it does issue
}

func (e *NoSVIDError) Error() string {
	return fmt.Sprintf("Workload API %s issues no SVID for %s to this workload (uid %d; it issues %s): pick one of those or add a registration entry for %s", e.Addr, e.ID, e.UID, strings.Join(e.Offered, ", "), e.ID)
}

// NewSource connects to the Workload API at addr and waits (at most timeout)
// for the first X509-SVID update. When id is not zero the source serves the
// SVID with that ID; otherwise the first one. Close the source when done.
func NewSource(ctx context.Context, addr string, id spiffeid.ID, timeout time.Duration) (*workloadapi.X509Source, error) {
	if err := CheckAddr(addr); err != nil {
		return nil, err
	}
	opts := []workloadapi.X509SourceOption{workloadapi.WithClientOptions(workloadapi.WithAddr(addr))}
	var (
		mu      sync.Mutex
		offered []string // the IDs of the first update, for the error
	)
	if !id.IsZero() {
		opts = append(opts, workloadapi.WithDefaultX509SVIDPicker(func(svids []*x509svid.SVID) *x509svid.SVID {
			mu.Lock()
			if offered == nil {
				for _, s := range svids {
					offered = append(offered, s.ID.String())
				}
			}
			mu.Unlock()
			for _, s := range svids {
				if s.ID == id {
					return s
				}
			}
			return svids[0]
		}))
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	src, err := workloadapi.NewX509Source(cctx, opts...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &WorkloadAPIError{Addr: addr, Err: fmt.Errorf("no X509-SVID within %s (is a registration entry matching uid %d?): %w", timeout, os.Getuid(), err)}
	}
	if !id.IsZero() {
		sv, err := src.GetX509SVID()
		if err != nil || sv.ID != id {
			mu.Lock()
			e := &NoSVIDError{Addr: addr, ID: id, UID: os.Getuid(), Offered: offered}
			mu.Unlock()
			if cerr := src.Close(); cerr != nil {
				return nil, errors.Join(e, cerr)
			}
			return nil, e
		}
	}
	return src, nil
}
