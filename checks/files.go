package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/modinfo"
)

// Package is what gocap needs of `go list -json` for one package.
type Package struct {
	ImportPath     string
	Dir            string
	Name           string
	GoFiles        []string
	CgoFiles       []string
	TestGoFiles    []string
	XTestGoFiles   []string
	IgnoredGoFiles []string
	Module         *struct{ Path, Dir string }
}

// Files returns the package's Go source files (absolute), tests included.
func (p *Package) Files() []string {
	var out []string
	for _, l := range [][]string{p.GoFiles, p.CgoFiles, p.TestGoFiles, p.XTestGoFiles} {
		for _, f := range l {
			out = append(out, filepath.Join(p.Dir, f))
		}
	}
	return out
}

// Packages lists the module's packages matching env.Patterns, once per run.
func (e *Env) Packages(ctx context.Context) ([]*Package, error) {
	v, err := e.Memo("go-list", func() (any, error) {
		args := append([]string{"list", "-e", "-json=ImportPath,Dir,Name,GoFiles,CgoFiles,TestGoFiles,XTestGoFiles,IgnoredGoFiles,Module"}, e.Patterns...)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = e.Dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%w: go list: %s", cmdutil.ErrTool, modinfo.FirstLine(stderr.String()))
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		var pkgs []*Package
		for {
			var p Package
			if err := dec.Decode(&p); err == io.EOF {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%w: go list output: %w", cmdutil.ErrTool, err)
			}
			if p.Module != nil && p.Module.Dir != e.Dir {
				continue // a nested module or a dependency: not ours
			}
			pkgs = append(pkgs, &p)
		}
		return pkgs, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]*Package), nil
}

// Rel makes an absolute path relative to the module root, slash-separated.
func (e *Env) Rel(path string) string {
	if r, err := filepath.Rel(e.Dir, path); err == nil && !filepath.IsAbs(r) && r != ".." && (len(r) < 3 || r[:3] != "../") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(path)
}
