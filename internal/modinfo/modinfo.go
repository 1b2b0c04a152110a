// Package modinfo finds the Go module gocap runs on and lists its packages
// (go.mod, go env, go list), for the pipeline and the report commands.
package modinfo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/gocap/gocap/internal/cmdutil"
)

// FindModule returns the root folder, module path and go line of the module
// containing dir.
func FindModule(dir string) (root, path, goVersion string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", "", err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return "", "", "", fmt.Errorf("%w: %s is not a folder: run gocap in a Go module or pass --dir", cmdutil.ErrUsage, dir)
	}
	for d := abs; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			f, err := modfile.ParseLax(filepath.Join(d, "go.mod"), b, nil)
			if err != nil {
				return "", "", "", fmt.Errorf("%w: %s/go.mod does not parse: %w; fix it (go mod edit) and retry", cmdutil.ErrUsage, d, err)
			}
			if f.Module == nil {
				return "", "", "", fmt.Errorf("%w: %s/go.mod has no module line; add one (go mod init)", cmdutil.ErrUsage, d)
			}
			gv := ""
			if f.Go != nil {
				gv = f.Go.Version
			}
			return d, f.Module.Mod.Path, gv, nil
		}
		if filepath.Dir(d) == d {
			return "", "", "", fmt.Errorf("%w: %s is not inside a Go module (no go.mod found above it): cd into a module or run go mod init", cmdutil.ErrUsage, abs)
		}
	}
}

// RootPatterns rewrites the relative package patterns among patterns (".",
// "./...", "../x") from dir to root, the module root where gocap runs the go
// command, so that `gocap check ./...` in a subfolder checks that subfolder as
// go vet would. Other patterns (import paths) are kept.
func RootPatterns(root, dir string, patterns []string) []string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return patterns
	}
	out := make([]string, len(patterns))
	for i, p := range patterns {
		out[i] = p
		if p != "." && p != ".." && !strings.HasPrefix(p, "./") && !strings.HasPrefix(p, "../") {
			continue
		}
		rel, err := filepath.Rel(root, filepath.Join(abs, p))
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			out[i] = filepath.Join(abs, p) // outside the module: go list names the folder
			continue
		}
		out[i] = "./" + filepath.ToSlash(rel)
		if rel == "." {
			out[i] = "."
		}
	}
	return out
}

// GoEnv checks the go toolchain and returns its version (go1.26.8).
func GoEnv(ctx context.Context) (string, error) {
	if _, err := exec.LookPath("go"); err != nil {
		return "", fmt.Errorf("%w: the go command is not on PATH: install Go (https://go.dev/dl) and retry", cmdutil.ErrTool)
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("%w: go env GOVERSION failed: %w", cmdutil.ErrTool, err)
	}
	return strings.TrimSpace(string(out)), nil
}

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
	Error          *struct{ Err string }
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

// ListPackages lists the packages matching patterns in root (one go list,
// whose result the legs share); a pattern that matches nothing is a usage
// error. A package that fails to build is listed: the checks report it.
func ListPackages(ctx context.Context, root string, patterns []string) ([]*Package, error) {
	// -find: the packages themselves, their imports not resolved (a
	// package that does not build is the legs' finding, not a usage error).
	args := append([]string{"list", "-find", "-e", "-json=ImportPath,Dir,Name,GoFiles,CgoFiles,TestGoFiles,XTestGoFiles,IgnoredGoFiles,Module,Error"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	warn := strings.TrimSpace(stderr.String())
	if err != nil {
		return nil, fmt.Errorf("%w: go list %s: %s", cmdutil.ErrUsage, strings.Join(patterns, " "), FirstLine(warn))
	}
	var pkgs []*Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%w: go list output: %w", cmdutil.ErrTool, err)
		}
		if p.Error != nil && patternError(p.Error.Err) {
			hint := ""
			if strings.Contains(p.Error.Err, "is not in std") {
				// checks/testdata/x: the go command reads it as an import path.
				hint = fmt.Sprintf("; for a folder write ./%s, or -C %s if it is a module of its own", p.ImportPath, p.ImportPath)
			}
			msg := FirstLine(p.Error.Err)
			if !strings.HasPrefix(msg, "pattern ") {
				msg = fmt.Sprintf("pattern %q: %s", p.ImportPath, msg)
			}
			return nil, fmt.Errorf("%w: %s%s", cmdutil.ErrUsage, msg, hint)
		}
		pkgs = append(pkgs, &p)
	}
	if len(pkgs) == 0 || strings.Contains(warn, "matched no packages") {
		return nil, fmt.Errorf("%w: pattern %s matched no packages in %s: try ./...", cmdutil.ErrUsage, strings.Join(patterns, " "), root)
	}
	return pkgs, nil
}

// patternError reports whether a go list package error means the pattern
// itself is wrong (as opposed to a package that fails to build, which the
// checks report as findings).
func patternError(msg string) bool {
	for _, m := range []string{"no Go files", "no such file", "cannot find", "is not in std", "directory not found", "not in main module", "outside main module", "matched no packages", "malformed import path"} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
