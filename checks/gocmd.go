package checks

import (
	"context"
	"os"
	"os/exec"
	"time"
)

// goCommand returns a go command run in env.Dir that, when ctx ends, is
// killed together with everything it started (test binaries, the compiler):
// the go command does not pass a kill on to its children. Its environment is
// gocap's, with GOTMPDIR=env.GoTmp when set; add to cmd.Env, do not replace it.
func (env *Env) goCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = env.Dir
	cmd.Env = os.Environ()
	if env.GoTmp != "" {
		cmd.Env = append(cmd.Env, "GOTMPDIR="+env.GoTmp)
	}
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}
