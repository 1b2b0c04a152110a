package root

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
)

type ghWorkflow struct {
	On   map[string]any `yaml:"on"`
	Jobs map[string]struct {
		Needs    any    `yaml:"needs"`
		If       string `yaml:"if"`
		Strategy struct {
			FailFast *bool `yaml:"fail-fast"`
			Matrix   struct {
				Shard []int `yaml:"shard"`
			} `yaml:"matrix"`
		} `yaml:"strategy"`
		Permissions map[string]string `yaml:"permissions"`
		Steps       []struct {
			Name string            `yaml:"name"`
			If   string            `yaml:"if"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestCIWorkflowDoc parses the GitHub Actions workflow in docs/ci.md: a
// matrix of --shard i/n jobs, a job that needs them and runs gocap report
// merge, the SARIF upload with security-events permission, and the
// baseline gate on pull requests. Every gocap command line in it must parse
// with gocap's own command tree and flags, so the doc cannot drift from
// the CLI.
func TestCIWorkflowDoc(t *testing.T) {
	md, err := os.ReadFile("../../../../docs/ci.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(md)
	if m == nil {
		t.Fatal("docs/ci.md has no ```yaml block")
	}
	var wf ghWorkflow
	if err := yaml.Unmarshal(m[1], &wf); err != nil {
		t.Fatalf("the workflow is not valid YAML: %v", err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull requests")
	}
	shard, ok := wf.Jobs["shard"]
	if !ok {
		t.Fatal("no shard job")
	}
	n := len(shard.Strategy.Matrix.Shard)
	if n < 2 || shard.Strategy.FailFast == nil || *shard.Strategy.FailFast {
		t.Errorf("shard job: matrix %v, fail-fast %v; want several shards, fail-fast false", shard.Strategy.Matrix.Shard, shard.Strategy.FailFast)
	}
	for i, s := range shard.Strategy.Matrix.Shard {
		if s != i+1 {
			t.Errorf("matrix shards %v: want 1..%d", shard.Strategy.Matrix.Shard, n)
		}
	}
	report, ok := wf.Jobs["report"]
	if !ok {
		t.Fatal("no report job")
	}
	if report.Needs != "shard" || report.If != "always()" {
		t.Errorf("report job: needs %v, if %q; want needs shard, if always()", report.Needs, report.If)
	}
	if report.Permissions["security-events"] != "write" {
		t.Error("report job lacks security-events: write for the SARIF upload")
	}

	var all []string // every gocap command line
	has := func(job string, pred func(uses, run, cond string, with map[string]string) bool) bool {
		for _, s := range wf.Jobs[job].Steps {
			if pred(s.Uses, s.Run, s.If, s.With) {
				return true
			}
		}
		return false
	}
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			for _, l := range strings.Split(s.Run, "\n") {
				if l = strings.TrimSpace(l); strings.HasPrefix(l, "gocap ") {
					all = append(all, l)
				}
			}
		}
	}
	want := "--shard ${{ matrix.shard }}/" + strconv.Itoa(n)
	if !has("shard", func(_, run, _ string, _ map[string]string) bool {
		return strings.Contains(run, "gocap check") && strings.Contains(run, want) && strings.Contains(run, "--format json")
	}) {
		t.Errorf("no shard step runs gocap check %s --format json", want)
	}
	if !has("shard", func(uses, _, cond string, with map[string]string) bool {
		return strings.HasPrefix(uses, "actions/cache/restore@") && strings.Contains(cond, "pull_request") && with["path"] == "baseline/gocap.json"
	}) {
		t.Error("pull requests do not restore main's report as the baseline")
	}
	if !has("shard", func(_, run, _ string, _ map[string]string) bool {
		return strings.Contains(run, "--baseline baseline/gocap.json --fail-on-new")
	}) {
		t.Error("the shards do not gate on findings new since the baseline")
	}
	if !has("report", func(_, run, _ string, _ map[string]string) bool {
		return strings.Contains(run, "gocap report merge shard-*.json")
	}) {
		t.Error("the report job does not run gocap report merge over the shards")
	}
	if !has("report", func(uses, _, _ string, with map[string]string) bool {
		return strings.HasPrefix(uses, "github/codeql-action/upload-sarif@") && with["sarif_file"] == "gocap.sarif"
	}) {
		t.Error("no SARIF upload of gocap.sarif")
	}
	if !has("report", func(uses, _, cond string, with map[string]string) bool {
		return strings.HasPrefix(uses, "actions/cache/save@") && strings.Contains(cond, "push") && with["path"] == "baseline/gocap.json"
	}) {
		t.Error("pushes to main do not save the merged report as the next baseline")
	}

	// Every gocap command parses: the subcommand exists and so does every flag.
	if len(all) < 2 {
		t.Fatalf("gocap commands in the workflow: %q", all)
	}
	for _, line := range all {
		line = strings.NewReplacer("${{ matrix.shard }}", "1", "$gate", "--baseline baseline/gocap.json --fail-on-new").Replace(line)
		ios, _, _, _ := iostreams.Test()
		root := NewCmd(ios)
		sub, rest, err := root.Find(strings.Fields(line)[1:])
		if err != nil || sub == root {
			t.Errorf("%q: no such gocap command (%v)", line, err)
			continue
		}
		if err := sub.ParseFlags(rest); err != nil {
			t.Errorf("%q: %v", line, err)
		}
		if f := sub.Flags().Lookup("format"); f != nil && f.Changed {
			if _, err := cmdutil.ParseFormats(f.Value.String()); err != nil {
				t.Errorf("%q: %v", line, err)
			}
		}
	}
}
