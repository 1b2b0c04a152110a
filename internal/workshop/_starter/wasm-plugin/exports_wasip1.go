//go:build wasip1

package main

import "unsafe"

// The host's ABI (gocap wasm plugin, wasmrun's package doc):
//   - alloc(size) -> ptr: a guest buffer the host writes the input into;
//   - free(ptr): releases a buffer from alloc;
//   - FUNC(ptr, len) -> i64: the output as ptr<<32 | len, owned by the guest
//     and valid until the next call; bit 31 of len marks an error message.

// pinned keeps buffers handed to the host alive across GC.
var pinned = map[uint32][]byte{}

var out []byte

//go:wasmexport alloc
func alloc(size uint32) uint32 {
	b := make([]byte, size)
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	pinned[p] = b
	return p
}

//go:wasmexport upper
func upper(ptr, n uint32) uint64 {
	in := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), n)
	out = Upper(in)
	return uint64(len(out))<<32 | uint64(uintptr(unsafe.Pointer(&out[0])))
}
