//go:build wasip1

// Command hello is gocap's sample WASI command: it greets its arguments,
// uses the GREETING variable and copies stdin to stdout in upper case.
// Exit code: the number of arguments named "fail". It avoids fmt to stay small.
package main

import (
	"io"
	"os"
	"strconv"
	"strings"
)

func main() {
	greeting := os.Getenv("GREETING")
	if greeting == "" {
		greeting = "hello"
	}
	code := 0
	for _, a := range os.Args[1:] {
		os.Stdout.WriteString(greeting + ", " + a + "\n")
		if a == "fail" {
			code++
		}
	}
	b, err := io.ReadAll(os.Stdin)
	if err != nil {
		os.Stderr.WriteString("hello: read stdin: " + err.Error() + "\n")
		os.Exit(70)
	}
	if len(b) > 0 {
		os.Stdout.WriteString(strings.ToUpper(string(b)))
	}
	os.Stderr.WriteString("hello: " + strconv.Itoa(len(os.Args)-1) + " args\n")
	os.Exit(code)
}
