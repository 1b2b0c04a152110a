package peercred

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc/credentials"
)

// readPeer reads SO_PEERCRED from the connected socket.
func readPeer(raw syscall.RawConn) (AuthInfo, error) {
	var cred *unix.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cred, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return AuthInfo{}, err
	}
	if serr != nil {
		return AuthInfo{}, fmt.Errorf("SO_PEERCRED: %w", serr)
	}
	return AuthInfo{CommonAuthInfo: credentials.CommonAuthInfo{SecurityLevel: credentials.NoSecurity}, UID: cred.Uid, GID: cred.Gid, PID: cred.Pid}, nil
}
