//go:build wasip1

// Command fsprobe tries filesystem operations given as arguments and prints
// one line per operation: "OK op path detail" or "DENIED op path: error".
// Operations: read:PATH, write:PATH, list:PATH. Exit code 0 always: the
// host's tests judge the lines. It avoids fmt to stay small.
package main

import (
	"errors"
	"os"
	"strings"
)

func main() {
	for _, a := range os.Args[1:] {
		op, p, _ := strings.Cut(a, ":")
		var err error
		var detail string
		switch op {
		case "read":
			var b []byte
			b, err = os.ReadFile(p)
			detail = strings.TrimSpace(string(b))
		case "write":
			err = os.WriteFile(p, []byte("written by fsprobe\n"), 0o644)
		case "list":
			var es []os.DirEntry
			es, err = os.ReadDir(p)
			for _, e := range es {
				detail += e.Name() + " "
			}
		default:
			err = errors.New("unknown op " + op)
		}
		if err != nil {
			os.Stdout.WriteString("DENIED " + op + " " + p + ": " + err.Error() + "\n")
			continue
		}
		os.Stdout.WriteString("OK " + op + " " + p + " " + strings.TrimSpace(detail) + "\n")
	}
}
