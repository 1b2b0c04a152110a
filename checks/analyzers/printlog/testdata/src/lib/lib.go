package lib

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
)

func Work(w io.Writer, l *log.Logger) error {
	fmt.Println("working")                // want `fmt.Println writes to stdout from library package lib`
	fmt.Printf("%d\n", 1)                 // want `fmt.Printf writes to stdout`
	fmt.Print("x")                        // want `fmt.Print writes to stdout`
	fmt.Fprintln(os.Stderr, "oops")       // want `fmt.Fprintln writes to os.Stderr`
	fmt.Fprintf((os.Stdout), "%s\n", "x") // want `fmt.Fprintf writes to os.Stdout`
	log.Printf("n=%d", 1)                 // want `log.Printf writes unstructured text`
	log.Default().Println("x")            // want `log.Default writes unstructured text`
	println("debug")                      // want `built-in println writes to stderr`
	print("debug")                        // want `built-in print writes to stderr`

	// Not reported: the caller chose the writer or the logger.
	fmt.Fprintln(w, "fine")
	l.Printf("fine %d", 1)
	slog.Info("fine", "n", 1)
	s := fmt.Sprintf("%d", 1)
	_ = fmt.Errorf("wrap: %s", s)
	return nil
}

func Die(err error) {
	if err != nil {
		log.Fatalf("die: %v", err) // want `log.Fatalf logs unstructured text and exits the process`
	}
	log.Panicln("x") // want `log.Panicln logs unstructured text and panics`
}

// Options let the caller say where errors go.
type Options struct {
	LogErr func(format string, args ...any)
}

// Push logs through a hook whose default the caller replaces: the default's
// log.Printf is not reported. A hook nobody can replace is.
func Push(opts *Options) {
	logErr := func(format string, args ...any) {
		log.Printf("ERROR: "+format, args...)
	}
	if opts != nil && opts.LogErr != nil {
		logErr = opts.LogErr
	}
	logErr("x")
	fixed := func() {
		log.Printf("fixed") // want `log.Printf writes unstructured text`
	}
	fixed()
}

// CheckErr prints the error and exits: the message is the exit's last word.
func CheckErr(msg any) {
	if msg != nil {
		fmt.Fprintln(os.Stderr, "Error:", msg)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "done") // want `fmt.Fprintln writes to os.Stderr`
	fmt.Println("exiting")          // want `fmt.Println writes to stdout`
	os.Exit(0)
}

// CompDebug is a logging function: it prints what its caller gives it.
func CompDebug(msg string, toStderr bool) {
	msg = "[Debug] " + msg
	if toStderr {
		fmt.Fprint(os.Stderr, msg)
	}
	fmt.Fprint(os.Stderr, "[Debug] always") // want `fmt.Fprint writes to os.Stderr`
}

// Debugger is not named for logging (Debugger is not Debug).
func Debugger(msg string) {
	fmt.Fprint(os.Stderr, msg) // want `fmt.Fprint writes to os.Stderr`
}

// compDebug is not exported: nobody outside calls it as a logger.
func compDebug(msg string) {
	fmt.Fprint(os.Stderr, msg) // want `fmt.Fprint writes to os.Stderr`
}
