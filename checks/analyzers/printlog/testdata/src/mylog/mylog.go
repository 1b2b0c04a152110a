package mylog // want package:"implements a logger"

// mylog implements a logger: its last-resort writes to stderr on failure
// paths are allowed, its other prints are not.

import (
	"fmt"
	"io"
	"os"
)

// Logger writes events to out.
type Logger struct{ out io.Writer }

// Info logs at info level.
func (l *Logger) Info(msg string) { l.write("INFO " + msg) }

// Errorf logs at error level.
func (l *Logger) Errorf(format string, args ...any) { l.write("ERROR " + fmt.Sprintf(format, args...)) }

func (l *Logger) write(s string) {
	if _, err := io.WriteString(l.out, s+"\n"); err != nil {
		fmt.Fprintf(os.Stderr, "mylog: could not write event: %v\n", err)
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(os.Stderr, "mylog: writer panicked:", r)
		}
	}()
}

// Banner prints on the normal path: still reported.
func Banner() {
	fmt.Fprintln(os.Stderr, "mylog ready") // want `fmt.Fprintln writes to os.Stderr from library package mylog`
	fmt.Println("hello")                   // want `fmt.Println writes to stdout from library package mylog`
}
