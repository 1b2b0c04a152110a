// Package ebpfcmd is `gocap ebpf`: doctor, tcp, malloc, policy and load.
// The commands parse and validate flags, call ebpfprobe and render what it
// returns; the work lives in ebpfprobe.
package ebpfcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
)

// NewCmd builds `gocap ebpf` with its subcommands; runF is unused at this
// level (each subcommand has its own for tests).
func NewCmd(ios *iostreams.IOStreams, _ func(context.Context) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ebpf",
		Short: "Real eBPF probes: doctor, TCP lifecycle, Go allocations, policy, object loader",
		Long: `Real eBPF probes from Go (cilium/ebpf, programs in C compiled by clang).

  doctor  what this kernel and this process can do, with a real attach test per hook
  tcp     TCP connection lifecycle from the sock:inet_sock_set_state tracepoint
  malloc  Go allocations: an entry-only uprobe on runtime.mallocgc
  gc      a Go program's stop-the-world pauses: entry-only uprobes on the runtime
  policy  a CIDR/port policy enforcement point on TCX or cgroup_skb (--demo: netns)
  load    load an eBPF object, report the verifier's stats, unload it

Everything is detached and unloaded on exit, on error and on Ctrl-C; nothing is
pinned. Most commands need root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN).

Exit codes: 0 ok, 1 doctor found a needed hook broken / the verifier rejected
the object / the policy demo misbehaved, 2 bad input or missing privilege, 3 failure.`,
	}
	cmd.AddCommand(NewDoctorCmd(ios, nil), NewTCPCmd(ios, nil), NewMallocCmd(ios, nil), NewGCCmd(ios, nil), NewPolicyCmd(ios, nil), NewLoadCmd(ios, nil))
	return cmd
}

// mapErr turns ebpfprobe's typed errors into gocap's exit codes.
func mapErr(name string, err error) error {
	var pe *ebpfprobe.PermissionError
	var ue *ebpfprobe.UnsupportedError
	var re *ebpfprobe.RejectedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return cmdutil.Usagef("ebpf %s: %v", name, pe)
	case errors.Is(err, ebpfprobe.ErrNotGo), errors.Is(err, ebpfprobe.ErrBadObject):
		return cmdutil.Usagef("ebpf %s: %v", name, err)
	case errors.As(err, &ue):
		return cmdutil.Toolf("ebpf %s: %v (see gocap ebpf doctor)", name, ue)
	case errors.As(err, &re):
		return &cmdutil.VerdictError{Msg: fmt.Sprintf("ebpf %s: %v", name, re)}
	case errors.Is(err, context.Canceled):
		return err
	}
	return cmdutil.Toolf("ebpf %s: %v", name, err)
}

func checkDuration(flag string, d time.Duration) error {
	if d < 0 {
		return cmdutil.Usagef("--%s %v: must be ≥ 0 (0: until Ctrl-C)", flag, d)
	}
	return nil
}

// withDuration bounds ctx by d when d > 0.
func withDuration(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}

func plural(n int, s string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, s)
	}
	return fmt.Sprintf("%d %ss", n, s)
}

// noArgs rejects positional arguments with a usage error.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return cmdutil.Usagef("unexpected argument %q (see %s --help)", args[0], c.CommandPath())
	}
	return nil
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
