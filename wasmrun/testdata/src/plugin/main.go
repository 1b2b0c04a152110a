//go:build wasip1

// Command plugin is gocap's sample reactor. Build it with
// -buildmode=c-shared; the host calls _initialize first.
//
// ABI (see wasmrun's package doc): the host allocates the input with
// alloc(size) uint32, writes the bytes, calls FUNC(ptr, len) uint64 and gets
// ptr<<32|len of the output, which stays owned by the guest and valid until
// the next call. When bit 31 of len is set the output is an error message.
// free(ptr) releases a buffer from alloc.
package main

import (
	"bytes"
	"encoding/json"
	"unsafe"
)

func main() {}

// pinned keeps buffers handed to the host alive across GC.
var pinned = map[uint32][]byte{}

var out []byte

//go:wasmexport alloc
func alloc(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	b := make([]byte, size)
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	pinned[p] = b
	return p
}

//go:wasmexport free
func free(ptr uint32) { delete(pinned, ptr) }

func input(ptr, n uint32) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), n)
}

func result(b []byte, isErr bool) uint64 {
	out = b
	n := uint64(len(b))
	if isErr {
		n |= 1 << 31
	}
	if len(b) == 0 {
		return n
	}
	return uint64(uintptr(unsafe.Pointer(&b[0])))<<32 | n
}

// format validates JSON and re-indents it with two spaces.
//
//go:wasmexport format
func format(ptr, n uint32) uint64 {
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(input(ptr, n)), "", "  "); err != nil {
		return result([]byte("invalid JSON: "+err.Error()), true)
	}
	buf.WriteByte('\n')
	return result(buf.Bytes(), false)
}

// compact validates JSON and removes insignificant space.
//
//go:wasmexport compact
func compact(ptr, n uint32) uint64 {
	var buf bytes.Buffer
	if err := json.Compact(&buf, input(ptr, n)); err != nil {
		return result([]byte("invalid JSON: "+err.Error()), true)
	}
	return result(buf.Bytes(), false)
}

// echo returns its input unchanged: it measures the host's call overhead.
//
//go:wasmexport echo
func echo(ptr, n uint32) uint64 {
	out = append(out[:0], input(ptr, n)...)
	return result(out, false)
}
