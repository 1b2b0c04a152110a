//go:build !(linux && amd64)

package root

import (
	"github.com/spf13/cobra"

	"github.com/gocap/gocap/internal/iostreams"
)

// gocap load joins the target's GC pauses through the eBPF tracer, built for
// Linux on amd64: elsewhere the command says it is not supported (exit 3).
func init() {
	extra = append(extra, func(*iostreams.IOStreams) *cobra.Command {
		return &cobra.Command{
			Use:                "load",
			Short:              "Constant-rate HTTP load (Linux on amd64 only: not supported on this system)",
			DisableFlagParsing: true,
			Args:               cobra.ArbitraryArgs,
			RunE:               func(*cobra.Command, []string) error { return errUnsupported("gocap load") },
		}
	})
}
