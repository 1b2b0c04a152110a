package lint

import (
	"bufio"
	"bytes"
	"context"
	"go/ast"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// go/packages parses a package's files only once every package it imports
// has been type-checked, which puts parsing on the critical path of the
// load. prefetcher parses the dependency files (those parseFileFor trims)
// ahead of time on the otherwise idle cores, deepest dependencies first
// (go list -deps order), and hands the result to go/packages' ParseFile
// hook when it asks.
// prefetch turns the prefetcher on; benchmarks compare with it off.
var prefetch = true

type prefetcher struct {
	fset  *token.FileSet
	parse func(*token.FileSet, string, []byte) (*ast.File, error)
	mu    sync.Mutex
	files map[string]*parsed
}

type parsed struct {
	once sync.Once
	f    *ast.File
	err  error
}

func (p *prefetcher) entry(filename string) *parsed {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.files[filename]
	if e == nil {
		e = &parsed{}
		p.files[filename] = e
	}
	return e
}

// ParseFile is the packages.Config.ParseFile hook: a prefetched file is
// parsed once, by whichever of the prefetcher and the loader comes first.
func (p *prefetcher) ParseFile(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
	if fset != p.fset {
		return p.parse(fset, filename, src)
	}
	p.mu.Lock()
	e := p.files[filename]
	p.mu.Unlock()
	if e == nil {
		return p.parse(fset, filename, src)
	}
	e.once.Do(func() { e.f, e.err = p.parse(fset, filename, src) })
	return e.f, e.err
}

// start lists the dependency files in dependency order and parses them with
// GOMAXPROCS workers until done or ctx ends. Errors only cost the speed-up.
func (p *prefetcher) start(ctx context.Context, dir string, patterns, depDirs []string) {
	if len(depDirs) == 0 {
		return
	}
	args := append([]string{"list", "-e", "-deps", "-test", "-f", "{{.Dir}}{{range .GoFiles}}\t{{.}}{{end}}"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return
	}
	var order []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		pkgDir := fields[0]
		dep := false
		for _, d := range depDirs {
			dep = dep || inDir(d, pkgDir)
		}
		if !dep {
			continue
		}
		for _, f := range fields[1:] {
			name := filepath.Join(pkgDir, f)
			if !seen[name] {
				seen[name] = true
				order = append(order, name)
			}
		}
	}
	entries := make([]*parsed, len(order))
	for i, name := range order {
		entries[i] = p.entry(name)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				e := entries[i]
				e.once.Do(func() {
					src, err := os.ReadFile(order[i])
					if err != nil {
						e.err = err
						return
					}
					e.f, e.err = p.parse(p.fset, order[i], src)
				})
			}
		}()
	}
	go func() {
		defer close(work)
		for i := range order {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
}
