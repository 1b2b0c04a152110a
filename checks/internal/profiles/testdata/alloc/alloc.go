// Package alloc allocates four ways on one line, for profiles' Callees.
package alloc

import (
	"bytes"
	"io"
	"strconv"
)

type big struct {
	a, b, c, d int64
	p          *int
}

var (
	sink, boxed, small any
	sinks              []string
)

// Work boxes a struct (convT), concatenates (concatstring2), appends
// (growslice) and boxes an int ≥ 256 (convT64) on one line; the next boxes
// an int below 256, which never allocates (the runtime keeps 0–255 boxed).
//
//go:noinline
func Work(n int, s string) {
	sink, sinks, boxed = big{a: int64(n)}, append(sinks, s+strconv.Itoa(n)), n // the line
	small = n % 200
}

var own bytes.Buffer

// Log writes p to the writer its caller gave it (the buffer's growth is
// the caller's) and to a buffer of its own (its own).
//
//go:noinline
func Log(w io.Writer, p []byte) {
	w.Write(p)
	own.Write(p)
}
