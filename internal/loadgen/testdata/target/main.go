// target is a server for gocap load's tests: GET /grow keeps 64 KiB per
// request in main.retain (a planted heap growth) and makes 64 KiB of
// garbage (so the GC runs during the load); net/http/pprof is served.
package main

import (
	"flag"
	"log"
	"net/http"
	_ "net/http/pprof"
	"sync"
)

var (
	mu   sync.Mutex
	kept [][]byte
	sink []byte
)

//go:noinline
func retain() {
	b := make([]byte, 64<<10)
	mu.Lock()
	kept = append(kept, b)
	mu.Unlock()
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	http.HandleFunc("/grow", func(w http.ResponseWriter, r *http.Request) {
		retain()
		sink = make([]byte, 64<<10)
		_, _ = w.Write([]byte("ok"))
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
