//go:build unix

package checks

import (
	"os/exec"
	"syscall"
	"time"
)

// interruptGrace is how long the go command and its children get to stop
// after SIGINT before the group is killed.
const interruptGrace = 3 * time.Second

// killGroup starts cmd in its own process group. On cancel the group gets
// SIGINT first, so the go command removes its work folder ($TMPDIR/go-build*,
// left behind by a SIGKILL), then SIGKILL after interruptGrace for whatever
// still runs. (A group id is the leader's pid; Linux hands pids out in
// order, so it is not reused within the grace period.)
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		pgid := cmd.Process.Pid
		time.AfterFunc(interruptGrace, func() {
			_ = syscall.Kill(-pgid, syscall.SIGKILL) // ESRCH: the group is gone, as hoped
		})
		return syscall.Kill(-pgid, syscall.SIGINT)
	}
}
