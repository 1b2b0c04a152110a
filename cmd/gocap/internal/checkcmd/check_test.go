package checkcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/reports"
)

// copyModule copies testdata/multi into a temp folder, so tests can add a
// config, a git repository or edits without touching the source tree (and
// no .gocap.yaml above the repository can leak in).
func copyModule(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "multi")
	src := filepath.Join("testdata", "multi")
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

type result struct {
	code           int
	stdout, stderr string
	err            error
}

// gocapCheck runs `gocap check ARGS` through the real command in dir.
func gocapCheck(t *testing.T, dir string, env map[string]string, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmd(ios, testChecks, nil)
	if env["GITHUB_ACTIONS"] == "true" {
		// NewCmd read the environment; tests set the fields instead.
		cmd = NewCmd(ios, testChecks, func(ctx context.Context, o *Options) error {
			o.GitHubActions, o.Workspace = true, env["GITHUB_WORKSPACE"]
			return Run(ctx, o)
		})
	}
	cmd.SetArgs(append([]string{"--dir", dir}, args...))
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return result{code: cmdutil.ExitCode(err), stdout: out.String(), stderr: errOut.String(), err: err}
}

func readJSON(t *testing.T, s string) *reports.Report {
	t.Helper()
	r, err := reports.Read(strings.NewReader(s), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func keys(r *reports.Report) []string {
	var out []string
	for _, f := range r.Findings() {
		out = append(out, f.Check+"/"+f.Rule+" "+f.File+":"+itoa(f.Line)+" "+f.Message)
	}
	sort.Strings(out)
	return out
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestShardMergeEqualsUnsharded splits the module into three shards, merges
// their reports, and expects exactly the unsharded run's findings.
func TestShardMergeEqualsUnsharded(t *testing.T) {
	dir := copyModule(t)
	whole := gocapCheck(t, dir, nil, "--checks", "fmt,tidy", "--format", "json")
	if whole.code != 0 {
		t.Fatalf("unsharded run: exit %d: %v\n%s", whole.code, whole.err, whole.stderr)
	}
	wr := readJSON(t, whole.stdout)
	var names []string
	var shards []*reports.Report
	seenFiles := map[string]string{}
	for i := 1; i <= 3; i++ {
		spec := itoa(i) + "/3"
		res := gocapCheck(t, dir, nil, "--checks", "fmt,tidy", "--format", "json", "--shard", spec)
		if res.code != 0 {
			t.Fatalf("shard %s: exit %d: %v", spec, res.code, res.err)
		}
		r := readJSON(t, res.stdout)
		if r.Shard != spec {
			t.Errorf("shard report says %q, want %q", r.Shard, spec)
		}
		if len(r.Findings()) >= len(wr.Findings()) {
			t.Errorf("shard %s has %d findings, the whole module %d: sharding did not split", spec, len(r.Findings()), len(wr.Findings()))
		}
		for _, f := range r.Findings() {
			if f.Check == "fmt" {
				if prev, ok := seenFiles[f.File]; ok {
					t.Errorf("%s checked by shard %s and %s", f.File, prev, spec)
				}
				seenFiles[f.File] = spec
			}
		}
		names = append(names, "shard"+spec)
		shards = append(shards, r)
	}
	m, err := reports.Merge(names, shards)
	if err != nil {
		t.Fatal(err)
	}
	got, want := keys(m), keys(wr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("merged shards:\n%s\nunsharded:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if m.Score == nil || wr.Score == nil || *m.Score != *wr.Score {
		t.Errorf("merged score %v, unsharded %v", m.Score, wr.Score)
	}
}

// TestSuppressions: generated files are skipped, //gocap:ignore silences
// the finding on the next line, and a stale directive is a finding itself.
func TestSuppressions(t *testing.T) {
	dir := copyModule(t)
	res := gocapCheck(t, dir, nil, "--checks", "fmt", "--format", "json")
	r := readJSON(t, res.stdout)
	byFile := map[string][]reports.Finding{}
	for _, f := range r.Findings() {
		byFile[f.File] = append(byFile[f.File], f)
	}
	if len(byFile["gen/gen.go"]) != 0 {
		t.Errorf("generated file reported: %+v", byFile["gen/gen.go"])
	}
	if len(byFile["d/d.go"]) != 0 {
		t.Errorf("d/d.go's finding should be silenced by its //gocap:ignore: %+v", byFile["d/d.go"])
	}
	if len(byFile["a/a.go"]) != 1 || len(byFile["b/b.go"]) != 1 {
		t.Errorf("a and b must still be reported: %v", keys(r))
	}
	e := byFile["e/e.go"]
	if len(e) != 1 || e[0].Rule != "unused-ignore" || e[0].Line != 4 || e[0].Check != "ignore" {
		t.Fatalf("stale directive in e/e.go: %+v", e)
	}
	if c := r.Check("ignore"); c == nil || !strings.Contains(c.Summary, "1 findings suppressed") {
		t.Errorf("ignore check summary: %+v", c)
	}
	// With the fmt check skipped, the directives' check did not run: no unused-ignore.
	res = gocapCheck(t, dir, nil, "--checks", "tidy", "--format", "json")
	for _, f := range readJSON(t, res.stdout).Findings() {
		if f.Rule == "unused-ignore" {
			t.Errorf("unused-ignore reported though fmt did not run: %+v", f)
		}
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConfigFile(t *testing.T) {
	dir := copyModule(t)
	writeFile(t, filepath.Join(dir, ".gocap.yaml"), `# gocap settings
checks:
  tidy: false
weights:
  style: 50
gate:
  min-score: 99
exclude:
  - path: "b/**"
    reason: vendored style
`)
	// Found from a subfolder: the search walks up to the module root.
	// --checks names tidy: the flag wins over the config's switch; the
	// config's min-score still gates.
	res := gocapCheck(t, filepath.Join(dir, "a"), nil, "--format", "json", "--checks", "fmt,tidy")
	if res.code != cmdutil.ExitGate || readJSON(t, res.stdout).Check("tidy") == nil {
		t.Fatalf("--checks fmt,tidy with the config: exit %d %v", res.code, res.err)
	}
	// Only fmt and tidy on this module (other checks are slow here and
	// covered by their own tests); the config switches tidy off.
	var others []string
	for _, c := range testChecks {
		if c.ID != "fmt" && c.ID != "tidy" {
			others = append(others, c.ID)
		}
	}
	skip := []string{}
	if len(others) > 0 {
		skip = []string{"--skip", strings.Join(others, ",")}
	}
	res = gocapCheck(t, filepath.Join(dir, "a"), nil, append([]string{"--format", "json"}, skip...)...)
	if res.code != cmdutil.ExitGate || !strings.Contains(res.err.Error(), "below --min-score 99") {
		t.Fatalf("config min-score 99 should fail the gate: exit %d %v", res.code, res.err)
	}
	r := readJSON(t, res.stdout)
	if r.Check("tidy") != nil {
		t.Error("tidy is switched off in the config but ran")
	}
	for _, f := range r.Findings() {
		if strings.HasPrefix(f.File, "b/") {
			t.Errorf("excluded path reported: %+v", f)
		}
	}
	if d := r.Dimension("style"); d == nil || d.Weight != 50 {
		t.Errorf("style weight from config: %+v", d)
	}
	// A flag overrides the config.
	res = gocapCheck(t, dir, nil, "--format", "json", "--checks", "fmt", "--min-score", "1")
	if res.code != 0 {
		t.Errorf("--min-score 1 should override the config's 99: exit %d %v", res.code, res.err)
	}
	// Unknown key: one clear line, exit 2, before any work.
	writeFile(t, filepath.Join(dir, ".gocap.yaml"), "checks:\n  fmt: true\nwieghts:\n  style: 2\n")
	res = gocapCheck(t, dir, nil, "--checks", "fmt")
	if res.code != cmdutil.ExitUsage || !strings.Contains(res.err.Error(), "wieghts") || !strings.Contains(res.err.Error(), "line 3") || strings.Contains(res.err.Error(), "\n") {
		t.Errorf("unknown key: exit %d %q", res.code, res.err)
	}
	writeFile(t, filepath.Join(dir, ".gocap.yaml"), "checks:\n  nosuch: true\n")
	if res = gocapCheck(t, dir, nil); res.code != cmdutil.ExitUsage || !strings.Contains(res.err.Error(), `unknown check "nosuch"`) {
		t.Errorf("unknown check: exit %d %v", res.code, res.err)
	}
	// --no-config ignores it.
	if res = gocapCheck(t, dir, nil, "--no-config", "--checks", "fmt", "--format", "json"); res.code != 0 {
		t.Errorf("--no-config: exit %d %v", res.code, res.err)
	}
}

func TestBaselineGate(t *testing.T) {
	dir := copyModule(t)
	base := filepath.Join(t.TempDir(), "base.json")
	res := gocapCheck(t, dir, nil, "--checks", "fmt", "--format", "json", "--out", base)
	if res.code != 0 {
		t.Fatalf("exit %d %v", res.code, res.err)
	}
	// Move a's finding down two lines, rename b (a renamed file is new).
	a := filepath.Join(dir, "a", "a.go")
	src, _ := os.ReadFile(a)
	writeFile(t, a, strings.Replace(string(src), "package a\n", "package a\n\n// Two more lines.\nconst K = 1\n", 1))
	if err := os.Rename(filepath.Join(dir, "b", "b.go"), filepath.Join(dir, "b", "b2.go")); err != nil {
		t.Fatal(err)
	}
	res = gocapCheck(t, dir, nil, "--checks", "fmt", "--format", "json", "--baseline", base)
	if res.code != 0 {
		t.Fatalf("a baseline alone never fails: exit %d %v", res.code, res.err)
	}
	r := readJSON(t, res.stdout)
	state := map[string]string{}
	for _, f := range r.Findings() {
		state[f.File] = f.Baseline
	}
	if state["a/a.go"] != reports.BaselineUnchanged {
		t.Errorf("a/a.go moved lines but is %q, want unchanged", state["a/a.go"])
	}
	if state["b/b2.go"] != reports.BaselineNew {
		t.Errorf("renamed b/b2.go is %q, want new", state["b/b2.go"])
	}
	if r.Baseline == nil || len(r.Baseline.Fixed) != 1 || r.Baseline.Fixed[0].File != "b/b.go" {
		t.Fatalf("fixed: %+v", r.Baseline)
	}
	res = gocapCheck(t, dir, nil, "--checks", "fmt", "--baseline", base, "--fail-on-new")
	if res.code != cmdutil.ExitGate || !strings.Contains(res.err.Error(), "1 new findings") {
		t.Errorf("--fail-on-new: exit %d %v", res.code, res.err)
	}
	if !strings.Contains(res.stdout, "Baseline "+base) || !strings.Contains(res.stdout, "1 new") {
		t.Errorf("terminal report does not show the baseline:\n%s", res.stdout)
	}
	// Breaking one more file (three gofmt errors where the baseline had two)
	// drops the score by what the third costs in this small module.
	writeFile(t, filepath.Join(dir, "c", "c.go"), "package c\n\nfunc  C() int { return 1 }\n")
	res = gocapCheck(t, dir, nil, "--checks", "fmt", "--format", "json", "--baseline", base, "--max-score-drop", "5")
	cur := readJSON(t, res.stdout)
	drop := *cur.Baseline.Score - *cur.Score
	if res.code != cmdutil.ExitGate || drop <= 5 || !strings.Contains(res.err.Error(), fmt.Sprintf("score dropped %.1f points", drop)) {
		t.Errorf("--max-score-drop 5: exit %d %v (drop %.1f)", res.code, res.err, drop)
	}
	if res = gocapCheck(t, dir, nil, "--checks", "fmt", "--baseline", base, "--max-score-drop", fmt.Sprint(math.Ceil(drop))); res.code != 0 {
		t.Errorf("--max-score-drop %v: exit %d %v", math.Ceil(drop), res.code, res.err)
	}
}

// TestBadBaseline: each bad report gives one line and exit 2 before any check runs.
func TestBadBaseline(t *testing.T) {
	dir := copyModule(t)
	tmp := t.TempDir()
	good := filepath.Join(tmp, "good.json")
	if res := gocapCheck(t, dir, nil, "--checks", "fmt", "--format", "json", "--out", good); res.code != 0 {
		t.Fatal(res.err)
	}
	b, _ := os.ReadFile(good)
	cases := map[string]string{
		"notjson.json":   "hello",
		"truncated.json": string(b[:len(b)/2]),
		"version.json":   strings.Replace(string(b), `"schema_version": 1`, `"schema_version": 99`, 1),
		"othermod.json":  strings.Replace(string(b), `"module": "example.com/multi"`, `"module": "example.com/other"`, 1),
		"notgocap.json":  `{"schema_version": 1, "tool": {"name": "golangci-lint"}}`,
	}
	want := map[string]string{"notjson.json": "invalid or truncated JSON", "truncated.json": "invalid or truncated JSON",
		"version.json": "schema_version 99", "othermod.json": `module "example.com/other"`, "notgocap.json": "golangci-lint"}
	for name, content := range cases {
		p := filepath.Join(tmp, name)
		writeFile(t, p, content)
		res := gocapCheck(t, dir, nil, "--checks", "fmt", "--baseline", p)
		if res.code != cmdutil.ExitUsage || !strings.Contains(res.err.Error(), want[name]) || strings.Contains(res.err.Error(), "\n") {
			t.Errorf("%s: exit %d %v", name, res.code, res.err)
		}
		if res.stdout != "" {
			t.Errorf("%s: a report was written before the bad baseline was refused", name)
		}
	}
	if res := gocapCheck(t, dir, nil, "--baseline", filepath.Join(tmp, "missing.json")); res.code != cmdutil.ExitUsage {
		t.Errorf("missing baseline: exit %d %v", res.code, res.err)
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestNewFromRev(t *testing.T) {
	dir := copyModule(t)
	git(t, dir, "init", "-q")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-qm", "base")
	// Break c (committed file, changed line) and add an untracked broken file.
	writeFile(t, filepath.Join(dir, "c", "c.go"), "package c\n\n// C is formatted.\nfunc C() int { return 1 }\n\nfunc  C2() int { return 2 }\n")
	writeFile(t, filepath.Join(dir, "f", "f.go"), "package f\n\nvar  F = 1\n")
	res := gocapCheck(t, dir, nil, "--checks", "fmt", "--format", "json", "--new-from-rev", "HEAD")
	if res.code != 0 {
		t.Fatalf("exit %d %v", res.code, res.err)
	}
	files := map[string]bool{}
	for _, f := range readJSON(t, res.stdout).Findings() {
		files[f.File] = true
	}
	if !files["c/c.go"] || !files["f/f.go"] || files["a/a.go"] || files["b/b.go"] || len(files) != 2 {
		t.Errorf("--new-from-rev HEAD kept %v, want c/c.go (changed line) and f/f.go (untracked)", files)
	}
	if res = gocapCheck(t, dir, nil, "--checks", "fmt", "--new-from-rev", "nosuchrev"); res.code != cmdutil.ExitUsage || !strings.Contains(res.err.Error(), "nosuchrev") {
		t.Errorf("bad rev: exit %d %v", res.code, res.err)
	}
}

func TestMultipleOutputsAndAnnotations(t *testing.T) {
	dir := copyModule(t)
	out := t.TempDir()
	htmlPath, sarifPath := filepath.Join(out, "r.html"), filepath.Join(out, "r.sarif")
	res := gocapCheck(t, dir, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": filepath.Dir(dir)},
		"--checks", "fmt", "--format", "md", "--out", "html="+htmlPath+",sarif="+sarifPath)
	if res.code != 0 {
		t.Fatalf("exit %d %v", res.code, res.err)
	}
	if !strings.HasPrefix(res.stdout, "## gocap: example.com/multi") {
		t.Errorf("md (no path given) should go to stdout:\n%.200s", res.stdout)
	}
	for _, p := range []string{htmlPath, sarifPath} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", p, err)
		}
	}
	if !strings.Contains(res.stderr, "::error file=multi/a/a.go,line=4,title=gocap fmt/gofmt::") {
		t.Errorf("GitHub annotations (repo-relative paths) missing from stderr:\n%s", res.stderr)
	}
	// A folder for several formats.
	folder := filepath.Join(out, "all")
	if res = gocapCheck(t, dir, nil, "--checks", "fmt", "--format", "json,junit,sarif", "--out", folder); res.code != 0 {
		t.Fatal(res.err)
	}
	for _, n := range []string{"report.json", "report.xml", "report.sarif"} {
		if _, err := os.Stat(filepath.Join(folder, n)); err != nil {
			t.Error(err)
		}
	}
}

// TestFlagErrors: bad flags fail with exit 2 before any work.
func TestFlagErrors(t *testing.T) {
	ran := false
	for _, args := range [][]string{
		{"--shard", "0/3"}, {"--shard", "4/3"}, {"--shard", "x"},
		{"--fail-on-new"}, {"--max-score-drop", "2"},
		{"--format", "html,nope"}, {"--out", "html=/nonexistent/dir/r.html"}, {"--out", "nope=r.x"},
	} {
		ios, _, _, _ := iostreams.Test()
		cmd := NewCmd(ios, testChecks, func(context.Context, *Options) error { ran = true; return nil })
		cmd.SetArgs(append([]string{"--dir", "testdata/multi", "--no-config"}, args...))
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.Execute()
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d (%v), want 2", args, code, err)
		}
		if ran {
			t.Errorf("%v: the command ran despite the bad flag", args)
			ran = false
		}
	}
	ios, _, _, _ := iostreams.Test()
	var got *Options
	cmd := NewCmd(ios, testChecks, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--dir", "testdata/multi", "--no-config", "--shard", "2/4", "--out", "html=" + filepath.Join(t.TempDir(), "x.html")})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Shard != 2 || got.Shards != 4 || got.Output.Paths["html"] == "" || strings.Join(got.Output.Formats, ",") != "terminal,html" {
		t.Errorf("parsed: shard %d/%d paths %v formats %v", got.Shard, got.Shards, got.Output.Paths, got.Output.Formats)
	}
}

// testChecks is the explicit list the tests pass (cmd/gocap/internal/root
// has the real one).
var testChecks = []*checks.Check{checks.Vet, checks.Fmt, checks.Tidy, checks.Race, checks.Escape, checks.Pprof, checks.Errors, checks.Logging}
