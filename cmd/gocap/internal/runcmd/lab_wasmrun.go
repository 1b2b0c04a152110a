// The file is not named lab_wasm.go: a _wasm.go suffix is a GOARCH=wasm
// build constraint and would leave the lab out of every amd64 build.

package runcmd

import "github.com/gocap/gocap/wasmrun/wasmlab"

func init() { Registered = append(Registered, wasmlab.Lab) }
