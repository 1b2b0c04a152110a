package mtls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/proto/spiffe/workload"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/gocap/gocap/mtls/internal/peercred"
)

// rotateFraction is the share of an SVID's lifetime after which the server
// pushes a fresh one: before half, as SPIFFE workloads expect.
const rotateFraction = 0.45

// ServerConfig configures a Workload API server.
type ServerConfig struct {
	CA      *CA
	Entries []Entry // validated (ValidateEntries, LoadEntries or DefaultEntries)
	SVIDTTL time.Duration
	// Socket is the Unix socket path; its folder is created 0700.
	Socket string
	// OnRotate, when set, is called after each SVID rotation (from the
	// rotation goroutine).
	OnRotate func(id spiffeid.ID, serial string)
}

// Server is the SPIFFE Workload API (gRPC on a Unix socket) of an embedded
// CA: callers are attested by their socket peer credentials and receive the
// SVIDs of every registration entry whose selectors they match.
type Server struct {
	workload.UnimplementedSpiffeWorkloadAPIServer

	cfg  ServerConfig
	lis  net.Listener
	grpc *grpc.Server

	mu        sync.Mutex
	svids     map[string]*issued // by SPIFFE ID
	changed   chan struct{}      // closed and replaced whenever an SVID changes
	kick      chan struct{}
	rotations int
}

type issued struct {
	svid     *x509svid.SVID
	rotateAt time.Time
}

// Listen validates cfg, creates the socket's folder (0700) and listens on the
// socket. A stale socket file nobody listens on is replaced; a live one is an
// error. Call Serve to answer requests.
func Listen(cfg ServerConfig) (*Server, error) {
	if cfg.CA == nil {
		return nil, errors.New("workload API server needs a CA")
	}
	if len(cfg.Entries) == 0 {
		return nil, errors.New("workload API server needs registration entries")
	}
	if cfg.SVIDTTL < MinSVIDTTL {
		return nil, fmt.Errorf("SVID TTL %s is too short: use at least %s", cfg.SVIDTTL, MinSVIDTTL)
	}
	stale, err := CheckSocket(cfg.Socket)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(cfg.Socket)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("socket folder %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("socket folder %s: %w", dir, err)
	}
	if stale {
		if err := os.Remove(cfg.Socket); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("stale socket %s: %w", cfg.Socket, err)
		}
	}
	lis, err := net.Listen("unix", cfg.Socket)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Socket, err)
	}
	s := &Server{cfg: cfg, lis: lis, svids: map[string]*issued{}, changed: make(chan struct{}), kick: make(chan struct{}, 1)}
	s.grpc = grpc.NewServer(grpc.Creds(peercred.New()),
		grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := checkHeader(ctx); err != nil {
				return nil, err
			}
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if err := checkHeader(ss.Context()); err != nil {
				return err
			}
			return h(srv, ss)
		}))
	workload.RegisterSpiffeWorkloadAPIServer(s.grpc, s)
	return s, nil
}

// CheckSocket says whether a server could listen on path, writing nothing:
// the path must be absolute and, when it exists, a socket nobody listens on
// (stale reports that such a leftover will be replaced). Call it before
// writing anything a server needs (its CA folder), so that a refusal leaves
// no files behind.
func CheckSocket(path string) (stale bool, err error) {
	if path == "" || !filepath.IsAbs(path) {
		return false, fmt.Errorf("socket path %q must be absolute", path)
	}
	st, err := os.Lstat(path)
	if err != nil {
		return false, nil
	}
	if st.Mode()&os.ModeSocket == 0 {
		return false, fmt.Errorf("socket path %s exists and is not a socket: choose another --socket", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		_ = c.Close() // only probed whether someone listens
		return false, fmt.Errorf("a server already listens on %s: stop it or choose another --socket", path)
	}
	return true, nil
}

// Addr is the Workload API address for clients: unix:///abs/path.
func (s *Server) Addr() string { return "unix://" + s.cfg.Socket }

// Rotations returns how many SVID rotations the server has pushed.
func (s *Server) Rotations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rotations
}

// Serve answers Workload API calls until ctx ends, then stops the server
// and removes the socket. It returns nil after a cancelled context, unless
// the socket could not be removed.
func (s *Server) Serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.rotateLoop(ctx) }()
	go func() {
		defer wg.Done()
		<-ctx.Done()
		s.grpc.Stop()
	}()
	err := s.grpc.Serve(s.lis)
	cancel()
	wg.Wait()
	rmErr := os.Remove(s.cfg.Socket)
	if errors.Is(rmErr, fs.ErrNotExist) {
		rmErr = nil
	}
	if ctx.Err() != nil {
		return rmErr
	}
	return errors.Join(err, rmErr)
}

func checkHeader(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("workload.spiffe.io"); len(v) != 1 || v[0] != "true" {
		return status.Error(codes.InvalidArgument, "security header missing from request: send metadata workload.spiffe.io: true")
	}
	return nil
}

// attest maps the caller to its registration entries.
func (s *Server) attest(ctx context.Context) ([]Entry, error) {
	ai, err := peercred.FromContext(ctx)
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, err.Error())
	}
	c := Caller{UID: ai.UID, GID: ai.GID, PID: ai.PID}
	var out []Entry
	for _, e := range s.cfg.Entries {
		if e.Matches(c) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, status.Errorf(codes.PermissionDenied, "no identity issued: no registration entry matches caller %v", c.Selectors())
	}
	return out, nil
}

// snapshot returns the current SVIDs for entries (issuing missing ones) and
// the channel closed at the next change, read atomically.
func (s *Server) snapshot(entries []Entry) ([]*x509svid.SVID, <-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*x509svid.SVID, 0, len(entries))
	added := false
	for _, e := range entries {
		is, ok := s.svids[e.id.String()]
		if !ok {
			sv, err := s.cfg.CA.IssueX509SVID(e.id, s.cfg.SVIDTTL)
			if err != nil {
				return nil, nil, err
			}
			is = &issued{svid: sv, rotateAt: rotateAt(sv)}
			s.svids[e.id.String()] = is
			added = true
		}
		out = append(out, is.svid)
	}
	if added {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return out, s.changed, nil
}

func rotateAt(sv *x509svid.SVID) time.Time {
	leaf := sv.Certificates[0]
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	return leaf.NotBefore.Add(time.Duration(float64(life) * rotateFraction))
}

// rotateLoop reissues every SVID when it reaches rotateFraction of its life
// and wakes every stream.
func (s *Server) rotateLoop(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		s.mu.Lock()
		now := time.Now()
		next := now.Add(time.Hour)
		var rotated []*x509svid.SVID
		for key, is := range s.svids {
			if !now.Before(is.rotateAt) {
				sv, err := s.cfg.CA.IssueX509SVID(is.svid.ID, s.cfg.SVIDTTL)
				if err != nil {
					continue // the old SVID stays; retried at the next wake
				}
				s.svids[key] = &issued{svid: sv, rotateAt: rotateAt(sv)}
				rotated = append(rotated, sv)
				s.rotations++
			}
			if r := s.svids[key].rotateAt; r.Before(next) {
				next = r
			}
		}
		if len(rotated) > 0 {
			close(s.changed)
			s.changed = make(chan struct{})
		}
		s.mu.Unlock()
		if s.cfg.OnRotate != nil {
			for _, sv := range rotated {
				s.cfg.OnRotate(sv.ID, sv.Certificates[0].SerialNumber.Text(16))
			}
		}
		d := time.Until(next)
		if d < 10*time.Millisecond {
			d = 10 * time.Millisecond
		}
		t.Reset(d)
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-t.C:
		}
	}
}

func (s *Server) bundleDER() []byte {
	var b bytes.Buffer
	for _, c := range s.cfg.CA.X509Bundle().X509Authorities() {
		b.Write(c.Raw)
	}
	return b.Bytes()
}

// FetchX509SVID streams the caller's SVIDs: the complete state at once, then
// again at every rotation, until the caller goes away.
func (s *Server) FetchX509SVID(_ *workload.X509SVIDRequest, stream grpc.ServerStreamingServer[workload.X509SVIDResponse]) error {
	ctx := stream.Context()
	entries, err := s.attest(ctx)
	if err != nil {
		return err
	}
	bundle := s.bundleDER()
	for {
		svids, changed, err := s.snapshot(entries)
		if err != nil {
			return status.Errorf(codes.Internal, "issue SVID: %v", err)
		}
		resp := &workload.X509SVIDResponse{}
		for i, sv := range svids {
			certs, key, err := sv.MarshalRaw()
			if err != nil {
				return status.Errorf(codes.Internal, "marshal SVID: %v", err)
			}
			resp.Svids = append(resp.Svids, &workload.X509SVID{SpiffeId: sv.ID.String(), X509Svid: certs, X509SvidKey: key, Bundle: bundle, Hint: entries[i].Hint})
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// FetchX509Bundles streams the trust domain's X.509 bundle.
func (s *Server) FetchX509Bundles(_ *workload.X509BundlesRequest, stream grpc.ServerStreamingServer[workload.X509BundlesResponse]) error {
	if _, err := s.attest(stream.Context()); err != nil {
		return err
	}
	td := s.cfg.CA.TrustDomain()
	if err := stream.Send(&workload.X509BundlesResponse{Bundles: map[string][]byte{td.IDString(): s.bundleDER()}}); err != nil {
		return err
	}
	<-stream.Context().Done()
	return nil
}

// FetchJWTSVID issues JWT-SVIDs for the caller's entries (or the one asked for).
func (s *Server) FetchJWTSVID(ctx context.Context, req *workload.JWTSVIDRequest) (*workload.JWTSVIDResponse, error) {
	if len(req.GetAudience()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "audience must be specified")
	}
	entries, err := s.attest(ctx)
	if err != nil {
		return nil, err
	}
	resp := &workload.JWTSVIDResponse{}
	for _, e := range entries {
		if req.GetSpiffeId() != "" && req.GetSpiffeId() != e.id.String() {
			continue
		}
		tok, err := s.cfg.CA.IssueJWTSVID(e.id, req.GetAudience(), s.cfg.SVIDTTL)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "issue JWT-SVID: %v", err)
		}
		resp.Svids = append(resp.Svids, &workload.JWTSVID{SpiffeId: e.id.String(), Svid: tok, Hint: e.Hint})
	}
	if len(resp.Svids) == 0 {
		return nil, status.Errorf(codes.PermissionDenied, "no identity issued for %s", req.GetSpiffeId())
	}
	return resp, nil
}

// FetchJWTBundles streams the trust domain's JWT bundle (JWKS).
func (s *Server) FetchJWTBundles(_ *workload.JWTBundlesRequest, stream grpc.ServerStreamingServer[workload.JWTBundlesResponse]) error {
	if _, err := s.attest(stream.Context()); err != nil {
		return err
	}
	jwks, err := s.cfg.CA.JWTBundle().Marshal()
	if err != nil {
		return status.Errorf(codes.Internal, "marshal JWT bundle: %v", err)
	}
	if err := stream.Send(&workload.JWTBundlesResponse{Bundles: map[string][]byte{s.cfg.CA.TrustDomain().IDString(): jwks}}); err != nil {
		return err
	}
	<-stream.Context().Done()
	return nil
}

// ValidateJWTSVID validates a JWT-SVID against the trust domain's JWT bundle.
func (s *Server) ValidateJWTSVID(ctx context.Context, req *workload.ValidateJWTSVIDRequest) (*workload.ValidateJWTSVIDResponse, error) {
	if req.GetAudience() == "" {
		return nil, status.Error(codes.InvalidArgument, "audience must be specified")
	}
	if req.GetSvid() == "" {
		return nil, status.Error(codes.InvalidArgument, "svid must be specified")
	}
	if _, err := s.attest(ctx); err != nil {
		return nil, err
	}
	sv, err := jwtsvid.ParseAndValidate(req.GetSvid(), jwtbundle.NewSet(s.cfg.CA.JWTBundle()), []string{req.GetAudience()})
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	claims, err := structpb.NewStruct(sv.Claims)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "claims: %v", err)
	}
	return &workload.ValidateJWTSVIDResponse{SpiffeId: sv.ID.String(), Claims: claims}, nil
}
