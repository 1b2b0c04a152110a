// Package enc is an internal encoder: its exported Encode is only called
// from this package, with a buffer; Dump is called from package errs with
// any writer.
package enc

import (
	"bytes"
	"io"
)

// Encode writes s as a quoted string. Its callers (String, below) pass a
// *bytes.Buffer, and no package outside names it: no finding.
func Encode(w io.Writer, s string) {
	w.Write([]byte{'"'})
	quote(w, s)
	w.Write([]byte{'"'})
}

func quote(w io.Writer, s string) {
	w.Write([]byte(s))
}

// String encodes into a buffer.
func String(s string) string {
	var b bytes.Buffer
	Encode(&b, s)
	return b.String()
}

// Dump writes s to w; errs calls it with its own writer.
func Dump(w io.Writer, s string) {
	w.Write([]byte(s)) // want `errcheck: error returned by \(io.Writer\).Write is not checked`
}
