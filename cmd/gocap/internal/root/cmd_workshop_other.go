//go:build !(linux && amd64)

package root

import (
	"github.com/spf13/cobra"

	"github.com/gocap/gocap/internal/iostreams"
)

// The workshop's exercises include eBPF ones and its grader asks the eBPF
// doctor what this machine has: elsewhere the command says it is not
// supported (exit 3).
func init() {
	extra = append(extra, func(*iostreams.IOStreams) *cobra.Command {
		return &cobra.Command{
			Use:                "workshop",
			Short:              "Workshop mode (Linux on amd64 only: not supported on this system)",
			DisableFlagParsing: true,
			Args:               cobra.ArbitraryArgs,
			RunE:               func(*cobra.Command, []string) error { return errUnsupported("gocap workshop") },
		}
	})
}
