//go:build !linux

package peercred

import (
	"fmt"
	"runtime"
	"syscall"
)

// readPeer: SO_PEERCRED is Linux's; elsewhere the Workload API server cannot
// attest its callers.
func readPeer(syscall.RawConn) (AuthInfo, error) {
	return AuthInfo{}, fmt.Errorf("peer credentials (SO_PEERCRED) are not supported on this system (%s/%s): run the Workload API server on Linux", runtime.GOOS, runtime.GOARCH)
}
