//go:build linux && amd64

package root

import (
	"github.com/spf13/cobra"

	"github.com/gocap/gocap/cmd/gocap/internal/loadcmd"
	"github.com/gocap/gocap/internal/iostreams"
)

func init() {
	extra = append(extra, func(ios *iostreams.IOStreams) *cobra.Command { return loadcmd.NewCmd(ios, nil) })
}
