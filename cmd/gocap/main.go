// Command gocap checks, proves and teaches Go engineering capability.
package main

import (
	"os"

	"github.com/gocap/gocap/cmd/gocap/internal/root"
	"github.com/gocap/gocap/internal/iostreams"
)

func main() { os.Exit(root.Main(os.Args[1:], iostreams.System())) }
