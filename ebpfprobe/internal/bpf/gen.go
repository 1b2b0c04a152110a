// Package bpf holds gocap's eBPF programs (C, beside their go:generate
// lines) and the Go bindings bpf2go generated from them. The generated .o
// and .go files are committed, so building gocap needs no clang; `make
// generate` rebuilds them (clang 14, libbpf-dev) and `make check-generate`
// fails when they are stale.
package bpf

//go:generate go tool bpf2go -tags linux -target amd64 -type event Tcp tcp.c -- -I./headers
//go:generate go tool bpf2go -tags linux -target amd64 -type alloc_sample -type malloc_totals Malloc malloc.c -- -I./headers
//go:generate go tool bpf2go -tags linux -target amd64 -type key4 -type key6 -type rule Policy policy.c -- -I./headers
//go:generate go tool bpf2go -tags linux -target amd64 -type flood_event Flood flood.c -- -I./headers
//go:generate go tool bpf2go -tags linux -target amd64 -type stw_event Gc gc.c -- -I./headers
