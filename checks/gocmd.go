package checks

import (
	"context"
	"os/exec"
	"time"
)

// goCommand returns a go command run in dir that, when ctx ends, is killed
// together with everything it started (test binaries, the compiler): the go
// command does not pass a kill on to its children.
func goCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}
