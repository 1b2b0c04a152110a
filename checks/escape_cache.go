package checks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/gocap/gocap/checks/internal/compilerjson"
	"github.com/gocap/gocap/internal/atomicfile"
)

// The escape leg caches the compiler's diagnostics per package so a warm run
// does not recompile: -json output is a side effect of compiling, and a
// compile with a new -json folder never hits the go build cache. An entry's
// key hashes the package's export data file from `go list -export` (the go
// build cache names it by content, so any change to the package or its
// dependencies' export data changes it), its dependencies' export files and
// its source files. Entries unused for escapeCacheTTL are removed.

// escapeCacheTTL is how long an unused cache entry is kept.
const escapeCacheTTL = 5 * 24 * time.Hour

// EscapeCacheDir is the folder of the escape leg's cache: $GOCAP_CACHE/escape-v1,
// else the user cache folder's gocap/escape-v1; "" disables the cache
// (GOCAP_CACHE=off).
func EscapeCacheDir() string {
	base := CacheDir()
	if base == "" {
		return ""
	}
	return filepath.Join(base, "escape-v1")
}

// CacheDir is gocap's cache folder: $GOCAP_CACHE, else the user cache
// folder's gocap; "" when GOCAP_CACHE=off or there is no user cache folder.
func CacheDir() string {
	base := os.Getenv("GOCAP_CACHE")
	if base == "off" {
		return ""
	}
	if base == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		base = filepath.Join(d, "gocap")
	}
	return base
}

type exportPkg struct {
	ImportPath string
	Export     string
	Deps       []string
	Error      *struct{ Err string }
}

// escapeKeys returns a cache key per package of pkgs whose export data go
// list could produce; the others are left out (they are compiled).
func escapeKeys(ctx context.Context, env *Env, pkgs []*Package) map[string]string {
	args := append([]string{"list", "-e", "-export", "-deps", "-json=ImportPath,Export,Deps,Error"}, env.Patterns...)
	cmd := env.goCommand(ctx, args...)
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	export := map[string]*exportPkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p exportPkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil
		}
		export[p.ImportPath] = &p
	}
	keys := map[string]string{}
	for _, p := range pkgs {
		e := export[p.ImportPath]
		if e == nil || e.Error != nil || e.Export == "" {
			continue
		}
		h := sha256.New()
		h.Write([]byte("gocap escape v2\x00" + p.ImportPath + "\x00" + e.Export + "\x00")) // hash writes never fail
		deps := append([]string(nil), e.Deps...)
		sort.Strings(deps)
		ok := true
		for _, d := range deps {
			if d == "unsafe" || d == "C" {
				continue // no export data by nature
			}
			de := export[d]
			if de == nil || de.Export == "" {
				ok = false
				break
			}
			h.Write([]byte(d + "\x00" + de.Export + "\x00"))
		}
		if !ok {
			continue
		}
		for _, f := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
			b, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				ok = false
				break
			}
			h.Write([]byte(f + "\x00"))
			h.Write(b)
		}
		if ok {
			keys[p.ImportPath] = hex.EncodeToString(h.Sum(nil))
		}
	}
	return keys
}

func escapeCachePath(dir, key string) string { return filepath.Join(dir, key[:2], key+".json") }

// escapeCacheGet returns the cached files of a package, touching the entry.
func escapeCacheGet(dir, key string) ([]*compilerjson.File, bool) {
	if dir == "" || key == "" {
		return nil, false
	}
	p := escapeCachePath(dir, key)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	var files []*compilerjson.File
	if err := json.Unmarshal(b, &files); err != nil {
		return nil, false
	}
	now := time.Now()
	_ = os.Chtimes(p, now, now) // keeps a used entry young; failing only lets the trim drop it early
	return files, true
}

// escapeCachePut stores a package's files; errors only cost a recompile later.
func escapeCachePut(dir, key string, files []*compilerjson.File) {
	if dir == "" || key == "" {
		return
	}
	if files == nil {
		files = []*compilerjson.File{}
	}
	b, err := json.Marshal(files)
	if err != nil {
		return
	}
	p := escapeCachePath(dir, key)
	if os.MkdirAll(filepath.Dir(p), 0o755) != nil {
		return
	}
	_ = atomicfile.Write(p, b, 0o644) // a missing entry only costs a recompile next run
}

// escapeCacheTrim removes entries unused for escapeCacheTTL, at most once a day.
func escapeCacheTrim(dir string) {
	if dir == "" {
		return
	}
	mark := filepath.Join(dir, "trimmed")
	if st, err := os.Stat(mark); err == nil && time.Since(st.ModTime()) < 24*time.Hour {
		return
	}
	if os.MkdirAll(dir, 0o755) != nil {
		return // no cache folder: nothing to trim
	}
	// Without the mark the next run trims again: slower, not wrong.
	_ = atomicfile.Write(mark, nil, 0o644)
	old := time.Now().Add(-escapeCacheTTL)
	// The walk function skips what it cannot read and returns nil: WalkDir cannot fail.
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().Before(old) {
			_ = os.Remove(p) // best effort: a stale entry left behind is still a valid entry
		}
		return nil
	})
}
