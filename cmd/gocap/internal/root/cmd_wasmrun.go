// The file is not named cmd_wasm.go: a _wasm.go suffix is a GOARCH=wasm
// build constraint and would leave the command out of every amd64 build.

package root

import (
	"github.com/spf13/cobra"

	"github.com/gocap/gocap/cmd/gocap/internal/wasmcmd"
	"github.com/gocap/gocap/internal/iostreams"
)

func init() {
	extra = append(extra, func(ios *iostreams.IOStreams) *cobra.Command { return wasmcmd.NewCmd(ios, nil) })
}
