package checks

import (
	"context"
	"path/filepath"

	"github.com/gocap/gocap/internal/modinfo"
)

// Package is what gocap needs of `go list -json` for one package.
type Package = modinfo.Package

// Packages lists the module's packages matching env.Patterns, once per run
// (Run's go list, beside the legs).
func (e *Env) Packages(ctx context.Context) ([]*Package, error) {
	v, err := e.Memo("go-list", func() (any, error) {
		list, err := modinfo.ListPackages(ctx, e.Dir, e.Patterns)
		if err != nil {
			return nil, err
		}
		return e.own(list), nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]*Package), nil
}

// own drops the listed packages of nested modules and dependencies.
func (e *Env) own(list []*Package) []*Package {
	var out []*Package
	for _, p := range list {
		if p.Module != nil && p.Module.Dir != e.Dir {
			continue // a nested module or a dependency: not ours
		}
		out = append(out, p)
	}
	return out
}

// Rel makes an absolute path relative to the module root, slash-separated.
func (e *Env) Rel(path string) string {
	if r, err := filepath.Rel(e.Dir, path); err == nil && !filepath.IsAbs(r) && r != ".." && (len(r) < 3 || r[:3] != "../") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(path)
}
