package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocap/gocap/reports"
)

var known = []string{"fmt", "tidy", "vet"}

func TestParse(t *testing.T) {
	c, err := Parse("x.yaml", []byte(`
checks: {tidy: false, fmt: true}
weights: {style: 12}
gate: {min-score: 80, fail-on: warning, fail-on-new: true, max-score-drop: 1.5}
exclude:
  - path: "gen/**/*.go"
  - rule: vet/printf
    path: legacy/*.go
  - rule: fmt/*
`), known)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Disabled(), ",") != "tidy" || c.Weights["style"] != 12 || *c.Gate.MinScore != 80 || !*c.Gate.FailOnNew || *c.Gate.MaxScoreDrop != 1.5 {
		t.Errorf("parsed %+v", c)
	}
	for _, tc := range []struct {
		f    reports.Finding
		want bool
	}{
		{reports.Finding{Check: "vet", Rule: "nilness", File: "gen/x/y/z.go"}, true},
		{reports.Finding{Check: "vet", Rule: "printf", File: "legacy/old.go"}, true},
		{reports.Finding{Check: "vet", Rule: "printf", File: "legacy/sub/old.go"}, false},
		{reports.Finding{Check: "vet", Rule: "printf", File: "main.go"}, false},
		{reports.Finding{Check: "fmt", Rule: "gofmt", File: "main.go"}, true},
	} {
		if got := c.Excluded(tc.f); got != tc.want {
			t.Errorf("Excluded(%s %s/%s) = %v", tc.f.File, tc.f.Check, tc.f.Rule, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for src, want := range map[string]string{
		"chekcs:\n  fmt: true\n":           "line 1: field chekcs not found",
		"gate:\n  minscore: 3\n":           "line 2: field minscore not found",
		"checks:\n  nosuch: true\n":        `unknown check "nosuch"`,
		"weights:\n  speed: 3\n":           `unknown dimension "speed"`,
		"weights:\n  style: -1\n":          "use 0",
		"gate:\n  fail-on: info\n":         "use error, warning or none",
		"gate:\n  min-score: 101\n":        "0 to 100",
		"exclude:\n  - reason: why\n":      "give a path glob, a rule, or both",
		"exclude:\n  - path: \"a/[b\"\n":   "not a valid glob",
		"checks: [fmt]\n":                  "cannot unmarshal",
		"checks:\n  fmt: true\n\tbad: 1\n": "x.yaml",
	} {
		_, err := Parse("x.yaml", []byte(src), known)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "invalid gocap config: x.yaml: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v (want one line containing %q)", src, err, want)
		}
	}
	if c, err := Parse("empty.yaml", nil, known); err != nil || len(c.Exclude) != 0 {
		t.Errorf("an empty file is a valid empty config: %v", err)
	}
}

func TestFind(t *testing.T) {
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(repo, "svc")
	sub := filepath.Join(mod, "pkg", "x")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find(sub, mod); p != "" {
		t.Errorf("no config anywhere, found %q", p)
	}
	if err := os.WriteFile(filepath.Join(repo, ".gocap.yml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find(sub, mod); p != filepath.Join(repo, ".gocap.yml") {
		t.Errorf("repo-level config: found %q", p)
	}
	if err := os.WriteFile(filepath.Join(mod, ".gocap.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find(sub, mod); p != filepath.Join(mod, ".gocap.yaml") {
		t.Errorf("module config wins over the repo's: found %q", p)
	}
	if err := os.WriteFile(filepath.Join(sub, ".gocap.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find(sub, mod); p != filepath.Join(sub, ".gocap.yaml") {
		t.Errorf("nearest config wins: found %q", p)
	}
	// Above the repository root nothing is searched.
	outer := t.TempDir()
	if err := os.WriteFile(filepath.Join(outer, ".gocap.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	inner := filepath.Join(outer, "r")
	if err := os.MkdirAll(filepath.Join(inner, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find(inner, inner); p != "" {
		t.Errorf("config above the repository root was used: %q", p)
	}
}

// TestAnalyzerKeys: the errcheck and staticcheck sections parse, and a
// typo inside them is an error naming the key.
func TestAnalyzerKeys(t *testing.T) {
	c, err := Parse("x.yaml", []byte("errcheck:\n  std-error-handling: false\n  exclude-functions: [io.Copy, \"(*os.File).Close\"]\nstaticcheck:\n  checks: [\"SA*\", \"-SA1019\", ST1005]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Errcheck.StdErrorHandling == nil || *c.Errcheck.StdErrorHandling || len(c.Errcheck.ExcludeFunctions) != 2 ||
		c.Errcheck.ExcludeFunctions[1] != "(*os.File).Close" || strings.Join(c.Staticcheck.Checks, ",") != "SA*,-SA1019,ST1005" {
		t.Fatalf("parsed %+v", c)
	}
	if _, err := Parse("x.yaml", []byte("errcheck:\n  exclude-function: [io.Copy]\n"), nil); err == nil || !strings.Contains(err.Error(), "exclude-function") {
		t.Fatalf("typo accepted: %v", err)
	}
	if _, err := Parse("x.yaml", []byte("errcheck:\n  exclude-functions: [\"io.Copy os.Remove\"]\n"), nil); err == nil {
		t.Fatal("a function name with a space accepted")
	}
}
