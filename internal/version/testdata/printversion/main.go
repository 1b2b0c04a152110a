// Command printversion prints version.String(); the version tests build it
// with the Makefile's -ldflags.
package main

import (
	"os"

	"github.com/gocap/gocap/internal/version"
)

func main() {
	_, _ = os.Stdout.WriteString(version.String() + "\n")
}
