package lint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/gocap/gocap/internal/atomicfile"
)

// cacheFormat changes whenever Result or the key's recipe changes.
const cacheFormat = "gocap-lint-3"

// cacheMaxAge: entries older than this are pruned when a new one is written.
const cacheMaxAge = 7 * 24 * time.Hour

// Key hashes everything an analysis result depends on: gocap's own binary,
// the Go that built it, the go command on PATH, the build environment
// variables, the patterns and analyzers, and the content of every source
// file of the module (and of local replace/go.work directories). Dependencies
// outside are versioned by go.sum; the standard library by the go command.
//
// A change the key does not see (a file outside the module reached through
// a symlink, an edited module cache) needs GOCAP_CACHE=off or a cache clean.
func Key(cfg Config, rules []Rule) (string, error) {
	h := hasher{sha256.New()}
	h.printf("%s\n%s\n%s\n", cacheFormat, runtime.Version(), cfg.Dir)
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			h.printf("exe %s %d %d\n", exe, st.Size(), st.ModTime().UnixNano())
		}
	}
	if goBin, err := exec.LookPath("go"); err == nil {
		if st, err := os.Stat(goBin); err == nil {
			h.printf("go %s %d %d\n", goBin, st.Size(), st.ModTime().UnixNano())
		}
	}
	for _, v := range []string{"GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED", "GOEXPERIMENT", "GOWORK", "GOTOOLCHAIN", "GOROOT", "GOPATH", "GOMODCACHE", "GOPROXY", "GOAMD64", "GOARM64", "CC"} {
		h.printf("env %s=%s\n", v, os.Getenv(v))
	}
	h.printf("patterns %q\n", cfg.Patterns)
	if b, err := json.Marshal(cfg.Options); err == nil {
		h.printf("options %s\n", b)
	}
	for _, r := range rules {
		h.printf("analyzer %s %d\n", r.Analyzer.Name, len(r.Analyzer.Requires))
	}
	dirs := []string{cfg.Dir}
	dirs = append(dirs, localDirs(filepath.Join(cfg.Dir, "go.mod"))...)
	for d := filepath.Dir(cfg.Dir); ; d = filepath.Dir(d) {
		w := filepath.Join(d, "go.work")
		if err := hashFile(h, w); err == nil {
			dirs = append(dirs, localDirs(w)...)
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	seen := map[string]bool{}
	for _, d := range dirs {
		if seen[d] {
			continue
		}
		seen[d] = true
		if err := hashTree(h, d); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// localDirs returns the absolute directories of local replace directives in
// a go.mod, or of use directives in a go.work.
func localDirs(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	base := filepath.Dir(path)
	var out []string
	add := func(p string) {
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
		}
		out = append(out, filepath.Clean(p))
	}
	if strings.HasSuffix(path, "go.work") {
		wf, err := modfile.ParseWork(path, b, nil)
		if err != nil {
			return nil
		}
		for _, u := range wf.Use {
			add(u.Path)
		}
		for _, r := range wf.Replace {
			if modfile.IsDirectoryPath(r.New.Path) {
				add(r.New.Path)
			}
		}
		return out
	}
	mf, err := modfile.ParseLax(path, b, nil)
	if err != nil {
		return nil
	}
	for _, r := range mf.Replace {
		if modfile.IsDirectoryPath(r.New.Path) {
			add(r.New.Path)
		}
	}
	return out
}

// sourceExt are the files the go command builds or the analyzers read.
var sourceExt = map[string]bool{".go": true, ".s": true, ".S": true, ".c": true, ".h": true, ".cc": true, ".cpp": true,
	".cxx": true, ".hh": true, ".hpp": true, ".hxx": true, ".m": true, ".f": true, ".F": true, ".for": true, ".f90": true,
	".swig": true, ".swigcxx": true, ".syso": true}

// hasher feeds a hash; hash writes never fail.
type hasher struct{ hash.Hash }

func (h hasher) printf(format string, args ...any) { h.Write(fmt.Appendf(nil, format, args...)) }

func hashTree(h hasher, root string) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			if p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // a nested module is not part of this one
				}
			}
			return nil
		}
		if sourceExt[filepath.Ext(name)] || name == "go.mod" || name == "go.sum" || name == "go.work" || name == "go.work.sum" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		h.printf("file %s\n", f)
		if err := hashFile(h, f); err != nil {
			return err
		}
	}
	return nil
}

func hashFile(h hasher, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	h.Write(b)
	return nil
}

func cacheGet(dir, key string) *Result {
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		return nil
	}
	var r Result
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	now := time.Now()
	_ = os.Chtimes(filepath.Join(dir, key+".json"), now, now) // keep used entries young
	return &r
}

func cachePut(dir, key string, r *Result) {
	b, err := json.Marshal(r)
	if err != nil {
		return
	}
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	if atomicfile.Write(filepath.Join(dir, key+".json"), b, 0o644) != nil {
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".json") && time.Since(info.ModTime()) > cacheMaxAge {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// DefaultCacheDir is $GOCAP_CACHE, or gocap/lint under the user cache
// folder; "" (caching off) when GOCAP_CACHE=off or no cache folder exists.
func DefaultCacheDir() string {
	switch v := os.Getenv("GOCAP_CACHE"); v {
	case "off", "0", "false":
		return ""
	case "":
	default:
		return filepath.Join(v, "lint")
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "gocap", "lint")
}
