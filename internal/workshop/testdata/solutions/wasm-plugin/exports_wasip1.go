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
	b := make([]byte, max(size, 1))
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	pinned[p] = b
	return p
}

//go:wasmexport free
func free(ptr uint32) { delete(pinned, ptr) }

//go:wasmexport upper
func upper(ptr, n uint32) uint64 {
	var in []byte
	if n > 0 {
		in = unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), n)
	}
	out = Upper(in)
	if len(out) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&out[0])))<<32 | uint64(len(out))
}
