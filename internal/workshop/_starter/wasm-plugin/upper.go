// Command wasm-plugin is a WebAssembly plugin for gocap's plugin host: it
// exports "upper", which upper-cases its input. Build it as a reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o upper.wasm .
//
// and call it: echo hello | gocap wasm plugin upper.wasm --call upper
package main

import "bytes"

func main() {}

// Upper is the plugin's work: ASCII and Unicode upper-casing.
func Upper(in []byte) []byte { return bytes.ToUpper(in) }
