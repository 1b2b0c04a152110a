//go:build !(linux && amd64)

package root

import (
	"runtime"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
)

// On a system other than Linux on amd64 (the eBPF objects are built for
// x86 Linux) gocap ebpf is one command that says so and exits 3, whatever
// subcommand was asked for.
func init() {
	extra = append(extra, func(*iostreams.IOStreams) *cobra.Command {
		return &cobra.Command{
			Use:                "ebpf",
			Short:              "Real eBPF probes (Linux on amd64 only: not supported on this system)",
			DisableFlagParsing: true,
			Args:               cobra.ArbitraryArgs,
			RunE: func(*cobra.Command, []string) error {
				return errUnsupported("gocap ebpf")
			},
		}
	})
}

// errUnsupported is the one line a command that needs Linux on amd64 gives
// elsewhere (exit 3: this system cannot do it).
func errUnsupported(what string) error {
	return cmdutil.Toolf("%s is not supported on this system (%s/%s): it needs Linux on amd64", what, runtime.GOOS, runtime.GOARCH)
}
