// Command sample is the HTTP service gocap's runtime lab and `make bench`
// load: GET /api/items?id=N answers a small JSON document built per request
// (a map, a slice, an encoder: the allocations of an ordinary handler), and
// net/http/pprof is served under /debug/pprof. It uses the standard library
// only, so the lab can build it from its embedded source anywhere with Go.
package main

import (
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strconv"
	"time"
)

type item struct {
	ID      int               `json:"id"`
	Name    string            `json:"name"`
	Tags    []string          `json:"tags"`
	Attrs   map[string]string `json:"attrs"`
	Created time.Time         `json:"created"`
}

func itemHandler(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.URL.Query().Get("id"))
	if err != nil {
		id = 0
	}
	it := item{ID: id, Name: "item-" + strconv.Itoa(id), Tags: []string{"a", "b", "c"},
		Attrs: map[string]string{"color": "blue", "size": strconv.Itoa(id % 10)}, Created: time.Unix(int64(id), 0).UTC()}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(it); err != nil {
		slog.Debug("write", "err", err)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	http.HandleFunc("/api/items", itemHandler)
	srv := &http.Server{Addr: *addr, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		slog.Error("serve", "err", err)
		os.Exit(1)
	}
}
