// Command gocap checks, proves and teaches Go engineering capability.
package main

import (
	"os"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/cmd/gocap/internal/root"
	"github.com/gocap/gocap/internal/iostreams"
)

func main() {
	if checks.IsVetTool() {
		checks.VetToolMain(os.Stderr) // the lint legs' go vet -vettool=gocap; never returns
	}
	checks.EnableVetTool()
	os.Exit(root.Main(os.Args[1:], iostreams.System()))
}
