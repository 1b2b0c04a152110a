package checks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/gocap/gocap/internal/version"
	"github.com/gocap/gocap/reports"
)

// ErrTool marks failures of a tool gocap needs (exit code 3).
var ErrTool = errors.New("tool failure")

// Options for a whole gocap check run.
type Options struct {
	Dir        string // any folder inside the module; default "."
	Patterns   []string
	Only, Skip []string
	OutDir     string
	BenchTime  string
	BenchCount int
	Timeout    time.Duration
	Progress   func(check, msg string)
	// Shard and Shards (1 ≤ Shard ≤ Shards) restrict the run to one
	// deterministic share of the matched packages (see ShardPackages), for
	// CI matrix jobs whose reports gocap report merge joins. 0: no sharding.
	Shard, Shards int
	// Files, when set, receives the Go files (absolute, tests included) of
	// the packages checked, from the run's own package list, so a caller
	// scanning sources (//gocap:ignore) needs no second go list.
	Files *[]string
}

// ShardPackages returns shard i (1-based) of n of the import paths: the
// sorted list dealt round-robin, so shards differ in size by at most one
// package and every package is in exactly one shard.
func ShardPackages(pkgs []string, i, n int) []string {
	s := append([]string(nil), pkgs...)
	sort.Strings(s)
	var out []string
	for k, p := range s {
		if k%n == i-1 {
			out = append(out, p)
		}
	}
	return out
}

// FindModule returns the root folder, module path and go line of the module
// containing dir.
func FindModule(dir string) (root, path, goVersion string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", "", err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return "", "", "", fmt.Errorf("%w: %s is not a folder: run gocap in a Go module or pass --dir", ErrUsage, dir)
	}
	for d := abs; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			f, err := modfile.ParseLax(filepath.Join(d, "go.mod"), b, nil)
			if err != nil {
				return "", "", "", fmt.Errorf("%w: %s/go.mod does not parse: %w; fix it (go mod edit) and retry", ErrUsage, d, err)
			}
			if f.Module == nil {
				return "", "", "", fmt.Errorf("%w: %s/go.mod has no module line; add one (go mod init)", ErrUsage, d)
			}
			gv := ""
			if f.Go != nil {
				gv = f.Go.Version
			}
			return d, f.Module.Mod.Path, gv, nil
		}
		if filepath.Dir(d) == d {
			return "", "", "", fmt.Errorf("%w: %s is not inside a Go module (no go.mod found above it): cd into a module or run go mod init", ErrUsage, abs)
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
		return "", fmt.Errorf("%w: the go command is not on PATH: install Go (https://go.dev/dl) and retry", ErrTool)
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("%w: go env GOVERSION failed: %w", ErrTool, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// ListPackages returns the import paths matching patterns in root; a pattern
// that matches nothing is a usage error.
func ListPackages(ctx context.Context, root string, patterns []string) ([]string, error) {
	args := append([]string{"list", "-e", "-f", "{{.ImportPath}}\t{{if .Error}}{{.Error}}{{end}}"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	warn := strings.TrimSpace(stderr.String())
	if err != nil {
		return nil, fmt.Errorf("%w: go list %s: %s", ErrUsage, strings.Join(patterns, " "), firstLine(warn))
	}
	var pkgs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l == "" {
			continue
		}
		ip, perr, _ := strings.Cut(l, "\t")
		if perr != "" && patternError(perr) {
			hint := ""
			if strings.Contains(perr, "is not in std") {
				// checks/testdata/x: the go command reads it as an import path.
				hint = fmt.Sprintf("; for a folder write ./%s, or -C %s if it is a module of its own", ip, ip)
			}
			return nil, fmt.Errorf("%w: pattern %q: %s%s", ErrUsage, ip, firstLine(perr), hint)
		}
		pkgs = append(pkgs, ip)
	}
	if len(pkgs) == 0 || strings.Contains(warn, "matched no packages") {
		return nil, fmt.Errorf("%w: pattern %s matched no packages in %s: try ./...", ErrUsage, strings.Join(patterns, " "), root)
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

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Run runs the selected checks on the module and returns a scored report.
func Run(ctx context.Context, o Options) (rep *reports.Report, err error) {
	start := time.Now()
	if o.Dir == "" {
		o.Dir = "."
	}
	if len(o.Patterns) == 0 {
		o.Patterns = []string{"./..."}
	}
	cs, err := Select(o.Only, o.Skip)
	if err != nil {
		return nil, err
	}
	goVer, err := GoEnv(ctx)
	if err != nil {
		return nil, err
	}
	root, mod, modGo, err := FindModule(o.Dir)
	if err != nil {
		return nil, err
	}
	// gocap links x/tools, built with runtime.Version(); a module needing a
	// newer Go cannot be type-checked by it.
	if modGo != "" && semver.Compare("v"+strings.TrimPrefix(runtime.Version(), "go"), "v"+modGo) < 0 && !strings.HasPrefix(runtime.Version(), "devel") {
		return nil, fmt.Errorf("%w: %s needs go %s but this gocap was built with %s: rebuild gocap with go %s or newer (go install ...@latest)", ErrUsage, root, modGo, runtime.Version(), modGo)
	}
	o.Patterns = RootPatterns(root, o.Dir, o.Patterns)
	pkgs, err := ListPackages(ctx, root, o.Patterns)
	if err != nil {
		return nil, err
	}
	runPatterns := o.Patterns
	shard := ""
	if o.Shards > 0 {
		if o.Shard < 1 || o.Shard > o.Shards {
			return nil, fmt.Errorf("%w: shard %d/%d: use I/N with 1 <= I <= N", ErrUsage, o.Shard, o.Shards)
		}
		shard = fmt.Sprintf("%d/%d", o.Shard, o.Shards)
		runPatterns = ShardPackages(pkgs, o.Shard, o.Shards)
		if len(runPatterns) == 0 {
			return emptyShard(cs, mod, goVer, o.Patterns, shard, start), nil
		}
	}
	env := &Env{Dir: root, Module: mod, GoVersion: modGo, Patterns: runPatterns, OutDir: o.OutDir,
		BenchTime: o.BenchTime, BenchCount: o.BenchCount, Timeout: o.Timeout, Progress: o.Progress}
	if env.BenchTime == "" {
		env.BenchTime = "100ms"
	}
	if env.BenchCount == 0 {
		env.BenchCount = 1
	}
	if env.Timeout == 0 {
		env.Timeout = 10 * time.Minute
	}
	// The go commands' work folders live in one folder of gocap's, removed
	// once every leg is done (RunAll waits for them), interrupted or not.
	goTmp, err := os.MkdirTemp(os.Getenv("GOTMPDIR"), "gocap-go-")
	if err != nil {
		return nil, fmt.Errorf("%w: temp folder for the go command: %w", ErrTool, err)
	}
	env.GoTmp = goTmp
	defer func() {
		if rerr := os.RemoveAll(goTmp); rerr != nil && err == nil {
			rep, err = nil, fmt.Errorf("%w: removing the go command's temp folder: %w", ErrTool, rerr)
		}
	}()
	rcs, data := RunAll(ctx, env, cs)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if o.Files != nil {
		list, err := env.Packages(ctx) // memoized: free when fmt ran
		if err != nil {
			return nil, err
		}
		var files []string
		for _, p := range list {
			files = append(files, p.Files()...)
		}
		*o.Files = files
	}
	rep = &reports.Report{
		SchemaVersion: reports.SchemaVersion,
		Tool:          reports.Tool{Name: "gocap", Version: version.String()},
		Module:        mod,
		GoVersion:     goVer,
		Patterns:      o.Patterns,
		Started:       start.UTC().Truncate(time.Millisecond),
		Checks:        rcs,
		Races:         data.Races,
		Benchmarks:    data.Benchmarks,
		Profiles:      data.Profiles,
		Escapes:       data.Escapes,
		Artifacts:     data.Artifacts,
		Shard:         shard,
	}
	JoinHotEscapes(rep)
	reports.Score(rep, nil)
	MemoryHeadline(rep)
	rep.DurationMS = time.Since(start).Milliseconds()
	return rep, nil
}

// emptyShard is the report of a shard that holds no package (more shards
// than packages): every check skipped, so merging it changes nothing.
func emptyShard(cs []*Check, mod, goVer string, patterns []string, shard string, start time.Time) *reports.Report {
	rep := &reports.Report{SchemaVersion: reports.SchemaVersion, Tool: reports.Tool{Name: "gocap", Version: version.String()},
		Module: mod, GoVersion: goVer, Patterns: patterns, Started: start.UTC().Truncate(time.Millisecond), Shard: shard}
	for _, c := range cs {
		rep.Checks = append(rep.Checks, reports.Check{ID: c.ID, Name: c.Name, URL: c.URL, Status: reports.StatusSkipped,
			Summary: "shard " + shard + " holds no package", Findings: []reports.Finding{}})
	}
	reports.Score(rep, nil)
	return rep
}
