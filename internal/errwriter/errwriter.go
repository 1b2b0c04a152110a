// Package errwriter keeps the first error of a run of writes, so text output
// can be printed line by line and checked once, as bufio.Writer does.
//
//	w := errwriter.New(out)
//	w.Printf("%d programs\n", n)
//	for _, p := range progs {
//		w.Printf("  %s\n", p.Name)
//	}
//	return w.Err()
package errwriter

import (
	"fmt"
	"io"
)

// Writer wraps an io.Writer. After the first failed write every later write
// is skipped and returns that error; Err reports it.
type Writer struct {
	w   io.Writer
	err error
}

// New returns a Writer that writes to w.
func New(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p unless an earlier write failed; it records the first error.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// Printf formats like fmt.Fprintf; a failure is kept for Err.
func (w *Writer) Printf(format string, a ...any) {
	if w.err == nil {
		_, w.err = fmt.Fprintf(w.w, format, a...)
	}
}

// Println formats like fmt.Fprintln; a failure is kept for Err.
func (w *Writer) Println(a ...any) {
	if w.err == nil {
		_, w.err = fmt.Fprintln(w.w, a...)
	}
}

// Print formats like fmt.Fprint; a failure is kept for Err.
func (w *Writer) Print(a ...any) {
	if w.err == nil {
		_, w.err = fmt.Fprint(w.w, a...)
	}
}

// Err returns the first write error, or nil.
func (w *Writer) Err() error { return w.err }
