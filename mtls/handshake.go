package mtls

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// ServerEvent is one connection as the server workload saw it.
type ServerEvent struct {
	PeerID     string // verified client SPIFFE ID, empty when refused
	PeerSerial string // client leaf serial (hex)
	Err        error  // why the handshake was refused
}

// EchoServer is an mTLS server workload: it completes a handshake
// authorizing the client by SPIFFE ID, reads one line and answers
// "hello <client ID>". Refused handshakes are reported on Events.
type EchoServer struct {
	lis    net.Listener
	events chan ServerEvent
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// StartEchoServer listens on 127.0.0.1 (random port) with go-spiffe's mTLS
// server config over svid and bundle (TLS 1.3 only) and serves until Close
// or ctx ends. A client claiming a trust domain is verified against that
// trust domain's CAs only (see TrustDomainBundles).
func StartEchoServer(ctx context.Context, svid x509svid.Source, bundle x509bundle.Source, authorizer tlsconfig.Authorizer) (*EchoServer, error) {
	cfg := tlsconfig.MTLSServerConfig(svid, TrustDomainBundles(bundle), authorizer)
	cfg.MinVersion = tls.VersionTLS13
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &EchoServer{lis: tls.NewListener(inner, cfg), events: make(chan ServerEvent, 4096), cancel: cancel}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		<-ctx.Done()
		_ = s.lis.Close() // only to end acceptLoop: no one to tell, nothing to retry
	}()
	s.wg.Add(1)
	go s.acceptLoop(ctx)
	return s, nil
}

// Addr is the server's host:port.
func (s *EchoServer) Addr() string { return s.lis.Addr().String() }

// Events delivers one event per connection (dropped when nobody reads and
// the buffer of 4096 is full).
func (s *EchoServer) Events() <-chan ServerEvent { return s.events }

// Close stops the server and waits for its connections.
func (s *EchoServer) Close() {
	s.cancel()
	s.wg.Wait()
}

func (s *EchoServer) emit(ev ServerEvent) {
	select {
	case s.events <- ev:
	default:
	}
}

func (s *EchoServer) acceptLoop(ctx context.Context) {
	defer s.wg.Done()
	for {
		c, err := s.lis.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { _ = c.Close() }() // the connection's outcome is already an event
			s.serveConn(ctx, c.(*tls.Conn))
		}()
	}
}

func (s *EchoServer) serveConn(ctx context.Context, c *tls.Conn) {
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		s.emit(ServerEvent{Err: err})
		return
	}
	if err := c.HandshakeContext(ctx); err != nil {
		s.emit(ServerEvent{Err: err})
		return
	}
	id, err := spiffetls.PeerIDFromConnectionState(c.ConnectionState())
	if err != nil {
		s.emit(ServerEvent{Err: err})
		return
	}
	serial := ""
	if pc := c.ConnectionState().PeerCertificates; len(pc) > 0 {
		serial = pc[0].SerialNumber.Text(16)
	}
	s.emit(ServerEvent{PeerID: id.String(), PeerSerial: serial})
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		return
	}
	// A failed answer reaches the client as its read error (Dial's RefusedError).
	_, _ = fmt.Fprintf(c, "hello %s\n", id)
}

// Handshake is one client connection's outcome.
type Handshake struct {
	Version     string        `json:"tls_version"`
	CipherSuite string        `json:"cipher_suite"`
	PeerID      string        `json:"peer_id"`
	PeerSerial  string        `json:"peer_serial"`
	Reply       string        `json:"reply,omitempty"`
	Handshake   time.Duration `json:"handshake_ns"` // TLS handshake, client side
	Total       time.Duration `json:"total_ns"`     // dial + handshake + first answer
}

// RefusedError is a handshake the server (or the client) refused.
type RefusedError struct {
	Stage string // "handshake" or "first read"
	Err   error
}

func (e *RefusedError) Error() string { return fmt.Sprintf("refused at %s: %v", e.Stage, e.Err) }

func (e *RefusedError) Unwrap() error { return e.Err }

// Dial connects to addr with cfg, completes the TLS handshake, sends one
// line and waits for the answer: in TLS 1.3 a server refuses a client
// certificate only after the client's handshake is done, so acceptance is
// known only at the first read. The error is a *RefusedError when the TLS
// handshake or the first exchange failed.
func Dial(ctx context.Context, addr string, cfg *tls.Config) (Handshake, error) {
	var h Handshake
	start := time.Now()
	d := net.Dialer{Timeout: 5 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return h, err
	}
	defer func() { _ = raw.Close() }() // the exchange is over (or failed) by then
	if err := raw.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return h, err
	}
	c := tls.Client(raw, cfg)
	hs := time.Now()
	if err := c.HandshakeContext(ctx); err != nil {
		return h, &RefusedError{Stage: "handshake", Err: err}
	}
	h.Handshake = time.Since(hs)
	st := c.ConnectionState()
	h.Version = tls.VersionName(st.Version)
	h.CipherSuite = tls.CipherSuiteName(st.CipherSuite)
	if id, err := spiffetls.PeerIDFromConnectionState(st); err == nil {
		h.PeerID = id.String()
	}
	if len(st.PeerCertificates) > 0 {
		h.PeerSerial = st.PeerCertificates[0].SerialNumber.Text(16)
	}
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return h, &RefusedError{Stage: "first write", Err: err}
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return h, &RefusedError{Stage: "first read", Err: err}
	}
	h.Reply = strings.TrimSpace(line)
	h.Total = time.Since(start)
	return h, nil
}

// ClientConfig is go-spiffe's mTLS client config: present svid, verify the
// server against bundle and authorize it as serverID (any conforming ID of
// the bundle when serverID is zero). A server claiming a trust domain is
// verified against that trust domain's CAs only (see TrustDomainBundles).
func ClientConfig(svid x509svid.Source, bundle x509bundle.Source, serverID spiffeid.ID) *tls.Config {
	bundle = TrustDomainBundles(bundle)
	if serverID.IsZero() {
		return tlsconfig.MTLSClientConfig(svid, bundle, Authorize())
	}
	return tlsconfig.MTLSClientConfig(svid, bundle, Authorize(serverID))
}

// waitEvent returns the next server event or an error after timeout.
func waitEvent(ctx context.Context, s *EchoServer, timeout time.Duration) (ServerEvent, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case ev := <-s.events:
		return ev, nil
	case <-t.C:
		return ServerEvent{}, errors.New("server saw no connection")
	case <-ctx.Done():
		return ServerEvent{}, ctx.Err()
	}
}

// drain empties the server's event queue.
func drain(s *EchoServer) {
	for {
		select {
		case <-s.events:
		default:
			return
		}
	}
}
