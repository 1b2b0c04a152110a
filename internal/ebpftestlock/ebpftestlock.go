// Package ebpftestlock keeps gocap's eBPF test binaries (ebpfprobe and
// cmd/gocap/internal/ebpfcmd) from running at the same time: their leak
// checks count kernel programs machine-wide, so another binary's programs
// would make them pass or fail for the wrong reason.
package ebpftestlock

import (
	"fmt"
	"os"
	"syscall"
)

// Path is machine-wide on purpose: not under os.TempDir, which go test points
// at GOTMPDIR when that is set (as gocap's race leg does), so two runs with
// different temp folders would each take a lock of their own.
const Path = "/tmp/gocap-ebpf-tests.lock"

// Lock takes the lock, waiting for it, and returns the function that
// releases it. A test binary that cannot take it must not run its eBPF
// tests: its TestMain reports the error and exits.
func Lock() (unlock func(), err error) {
	f, err := os.OpenFile(Path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot take the eBPF tests lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close() // nothing was written; the flock error is the one to report
		return nil, fmt.Errorf("cannot take the eBPF tests lock %s: %w", Path, err)
	}
	return func() { _ = f.Close() }, nil // closing releases the lock; the process exits next
}
