// Package peercred attests the caller of a Unix socket from its kernel peer
// credentials (SO_PEERCRED) as gRPC transport credentials: every accepted
// connection carries an AuthInfo with the caller's uid, gid and pid.
package peercred

import (
	"context"
	"errors"
	"fmt"
	"net"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// AuthInfo is the caller's identity as the kernel saw it when it connected.
type AuthInfo struct {
	credentials.CommonAuthInfo
	UID, GID uint32
	PID      int32
}

// AuthType implements credentials.AuthInfo.
func (AuthInfo) AuthType() string { return "peercred" }

// FromContext returns the peer credentials of a gRPC call's caller.
func FromContext(ctx context.Context) (AuthInfo, error) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return AuthInfo{}, errors.New("no peer in context")
	}
	ai, ok := p.AuthInfo.(AuthInfo)
	if !ok {
		return AuthInfo{}, errors.New("caller not attested: the server must use peercred transport credentials on a Unix socket")
	}
	return ai, nil
}

// Read returns the peer credentials of a Unix socket connection.
func Read(conn net.Conn) (AuthInfo, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return AuthInfo{}, fmt.Errorf("peer credentials need a Unix socket, got %T", conn)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return AuthInfo{}, err
	}
	return readPeer(raw)
}

// Credentials are server-side transport credentials that attest callers.
// Use them with grpc.Creds on a Unix listener.
type Credentials struct{}

// New returns server transport credentials reading SO_PEERCRED.
func New() credentials.TransportCredentials { return Credentials{} }

// ServerHandshake reads the peer credentials; the connection stays plaintext
// (the socket's folder permissions guard it).
func (Credentials) ServerHandshake(conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	ai, err := Read(conn)
	if err != nil {
		return nil, nil, errors.Join(err, conn.Close())
	}
	return conn, ai, nil
}

// ClientHandshake is not supported: these credentials are for servers.
func (Credentials) ClientHandshake(_ context.Context, _ string, conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return nil, nil, errors.New("peercred: client handshake not supported")
}

// Info implements credentials.TransportCredentials.
func (Credentials) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "peercred"}
}

// Clone implements credentials.TransportCredentials.
func (c Credentials) Clone() credentials.TransportCredentials { return c }

// OverrideServerName implements credentials.TransportCredentials.
func (Credentials) OverrideServerName(string) error { return nil }
