package checkcmd

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/config"
	"github.com/gocap/gocap/internal/gitdiff"
	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/internal/pipeline"
	"github.com/gocap/gocap/reports"
)

// prepared is what Prepare read before any work: the module, the config,
// the baseline and the gate.
type prepared struct {
	root   string
	module string
	cfg    pipeline.Config
}

func (o *Options) changed(name string) bool { return o.Changed != nil && o.Changed(name) }

// Prepare finds the module, loads .gocap.yaml (flags override it), reads
// the baseline and checks --new-from-rev, so bad input fails before any
// check runs.
func (o *Options) Prepare(ctx context.Context) error {
	root, mod, _, err := modinfo.FindModule(o.Dir)
	if err != nil {
		return err
	}
	p := &prepared{root: root, module: mod}
	ids := checks.IDs(o.Checks)
	path := o.ConfigPath
	if path == "" && !o.NoConfig {
		if path, err = config.Find(o.Dir, root); err != nil {
			return cmdutil.Usagef("finding .gocap.yaml: %v", err)
		}
	}
	if o.ConfigPath != "" {
		if _, err := os.Stat(o.ConfigPath); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is named already
			}
			return cmdutil.Usagef("--config %s: cannot read it (%v): give the path of a gocap config file (.gocap.yaml)", o.ConfigPath, err)
		}
	}
	if path != "" {
		cfg, err := config.Load(path, ids)
		if err != nil {
			return cmdutil.Usagef("%v", strings.TrimPrefix(err.Error(), config.ErrInvalid.Error()+": "))
		}
		p.cfg.Project = cfg
		p.cfg.Weights = cfg.Weights
		if err := checks.AnalysisFrom(cfg).Validate(); err != nil {
			return cmdutil.Usagef("%s: staticcheck.checks: %v", path, err)
		}
		if len(o.Only) == 0 {
			o.Skip = append(o.Skip, cfg.Disabled()...)
		}
		g := cfg.Gate
		if g.MinScore != nil && !o.changed("min-score") {
			o.MinScore = *g.MinScore
		}
		if g.FailOn != "" && !o.changed("fail-on") {
			o.FailOn = g.FailOn
		}
		if g.FailOnNew != nil && !o.changed("fail-on-new") {
			o.FailOnNew = *g.FailOnNew
		}
		if g.MaxScoreDrop != nil && !o.changed("max-score-drop") {
			o.MaxScoreDrop = *g.MaxScoreDrop
		}
	} else if !o.changed("max-score-drop") {
		o.MaxScoreDrop = -1
	}
	if o.BaselinePath != "" {
		b, err := reports.ReadFile(o.BaselinePath)
		if err != nil {
			return cmdutil.Usagef("--baseline %v", err)
		}
		if b.Module != mod {
			return cmdutil.Usagef("--baseline %s is a report of module %q, not %q: pass a report of this module", o.BaselinePath, b.Module, mod)
		}
		p.cfg.Baseline, p.cfg.BaselinePath = b, o.BaselinePath
	}
	if o.NewFromRev != "" {
		if err := gitdiff.VerifyRev(ctx, root, o.NewFromRev); err != nil {
			return cmdutil.Usagef("--new-from-rev: %v", err)
		}
	}
	c := &p.cfg
	c.Dir, c.Patterns, c.Checks, c.Only, c.Skip, c.Labs = o.Dir, o.Patterns, o.Checks, o.Only, o.Skip, o.Labs
	c.OutDir, c.BenchTime, c.BenchCount, c.Timeout = o.Output.Dir(), o.BenchTime, o.BenchCount, o.Timeout
	c.Shard, c.Shards, c.NewFromRev = o.Shard, o.Shards, o.NewFromRev
	c.Gate = pipeline.Gate{MinScore: o.MinScore, FailOn: o.FailOn, FailOnNew: o.FailOnNew, MaxScoreDrop: o.MaxScoreDrop}
	if c.Baseline == nil {
		c.Gate.MaxScoreDrop = -1
	}
	o.prepared = p
	return nil
}

// emit writes the report and adds GitHub annotations on a GitHub runner.
func emit(o *Options, res *pipeline.Result) error {
	p := o.prepared
	rep := res.Report
	ro := reports.RenderOptions{Color: o.IO.ColorEnabled(), Width: o.IO.Width(), Root: p.root}
	if o.GitHubActions {
		// SARIF and annotations want paths relative to the repository.
		ro.PathPrefix = workspacePrefix(o.Workspace, p.root)
	}
	paths, err := o.Output.Write(o.IO, rep, ro)
	if err != nil {
		return err
	}
	for _, path := range paths {
		o.IO.Statusf("wrote %s\n", path)
	}
	if o.GitHubActions && !(slices.Contains(o.Output.Formats, "github") && o.Output.Out == "") {
		if err := reports.Render(o.IO.ErrOut, rep, "github", ro); err != nil {
			return err
		}
	}
	return nil
}

// workspacePrefix is the module root relative to the GitHub workspace.
func workspacePrefix(ws, root string) string {
	if ws == "" {
		return ""
	}
	if r, err := filepath.EvalSymlinks(ws); err == nil {
		ws = r
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	rel, err := filepath.Rel(ws, root)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return ""
	}
	return filepath.ToSlash(rel)
}
