// Package netns creates throw-away network namespaces with iproute2's `ip`
// and runs Go code inside them on a locked OS thread.
package netns

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// IP runs `ip args...` and returns its error with its output.
func IP(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Available says whether `ip` is installed.
func Available() error {
	if _, err := exec.LookPath("ip"); err != nil {
		return fmt.Errorf("the `ip` command (iproute2) is missing: apt-get install iproute2")
	}
	return nil
}

// Do runs fn on a fresh OS thread inside the named namespace
// (/run/netns/NAME). Sockets fn creates stay in that namespace. The thread
// is thrown away afterwards, so no other goroutine ever runs in it.
func Do(name string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: the goroutine exits locked and the runtime
		// ends the thread instead of reusing it in the wrong namespace.
		f, err := os.Open("/run/netns/" + name)
		if err != nil {
			errc <- err
			return
		}
		defer func() { _ = f.Close() }() // a namespace handle, only read: nothing to lose
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("entering netns %s: %w", name, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}
