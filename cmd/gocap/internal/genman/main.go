// Command genman writes gocap's man pages (gocap.1, gocap-check.1, …) with
// cobra's doc package: `make man` runs `go run ./cmd/gocap/internal/genman
// DIR`. It is a program of its own so the gocap binary does not link the
// man page renderer.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra/doc"

	"github.com/gocap/gocap/cmd/gocap/internal/root"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/version"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genman DIR")
		os.Exit(2)
	}
	if err := gen(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "genman:", err)
		os.Exit(3)
	}
}

// gen writes one page per command of gocap's command tree into dir.
func gen(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmd(ios)
	cmd.DisableAutoGenTag = true // no generation date: the pages are reproducible
	hdr := &doc.GenManHeader{Title: "GOCAP", Section: "1", Source: "gocap " + version.String(), Manual: "gocap manual"}
	return doc.GenManTree(cmd, hdr, filepath.Clean(dir))
}
