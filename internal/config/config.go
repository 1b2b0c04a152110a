// Package config reads gocap's configuration file, .gocap.yaml.
//
// The file is found the way golangci-lint finds its own: in the folder gocap
// runs in, then each parent up to the module root, then on up to the
// repository root (the folder holding .git) when that lies above the module.
// Unknown keys are errors naming the file and line, so a typo never silently
// turns a setting off.
//
//	checks:           # on/off per check (missing: on)
//	  race: false
//	weights:          # dimension weights in the overall score
//	  correctness: 30
//	gate:
//	  min-score: 80
//	  fail-on: error  # error|warning|none (default: fail on a blocker)
//	  fail-on-new: true
//	  max-score-drop: 2
//	exclude:          # drop findings by path glob (** allowed) and/or rule
//	  - path: "internal/gen/**"
//	  - rule: vet/printf
//	    path: "legacy/*.go"
//	    reason: kept for compatibility
//	errcheck:
//	  std-error-handling: false   # golangci-lint's preset (default true)
//	  exclude-functions: ["io.Copy", "(*os.File).Close"]
//	staticcheck:
//	  checks: ["SA*", "U1000", "S*", "ST*", "QF*", "-SA1019"]  # default SA*, U1000
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"github.com/gocap/gocap/reports"
)

// FileNames are the names looked for, in order.
var FileNames = []string{".gocap.yaml", ".gocap.yml"}

// ErrInvalid is wrapped by every error about a config file's content.
var ErrInvalid = errors.New("invalid gocap config")

// Config is the content of .gocap.yaml.
type Config struct {
	// Path is the file the config was read from ("" for none).
	Path    string             `yaml:"-"`
	Checks  map[string]bool    `yaml:"checks"`
	Weights map[string]float64 `yaml:"weights"`
	Gate    Gate               `yaml:"gate"`
	Exclude []Exclude          `yaml:"exclude"`
	// Errcheck and Staticcheck configure those analyzers.
	Errcheck    Errcheck    `yaml:"errcheck"`
	Staticcheck Staticcheck `yaml:"staticcheck"`
}

// Errcheck configures the errors check's errcheck.
type Errcheck struct {
	// StdErrorHandling (default true) applies golangci-lint's
	// std-error-handling exclusions (Close, Flush, os.Remove, fmt prints…).
	StdErrorHandling *bool `yaml:"std-error-handling"`
	// ExcludeFunctions, in errcheck's syntax: pkg.F, (pkg.T).M, (*pkg.T).M.
	ExcludeFunctions []string `yaml:"exclude-functions"`
}

// Staticcheck selects staticcheck's checks, in its syntax (SA*, U1000,
// S1000, -SA1019, all); empty means SA* and U1000.
type Staticcheck struct {
	Checks []string `yaml:"checks"`
}

// Gate holds CI thresholds; command-line flags override them.
type Gate struct {
	MinScore     *float64 `yaml:"min-score"`
	FailOn       string   `yaml:"fail-on"`
	FailOnNew    *bool    `yaml:"fail-on-new"`
	MaxScoreDrop *float64 `yaml:"max-score-drop"`
}

// Exclude drops the findings matching Path (a slash-separated glob relative
// to the module root, ** crossing folders) and Rule (see RuleMatches); an
// empty field matches everything.
type Exclude struct {
	Path   string `yaml:"path"`
	Rule   string `yaml:"rule"`
	Reason string `yaml:"reason"`
}

// Find returns the config file for dir: the first of FileNames in dir or a
// parent, up to moduleRoot, then up to the repository root if it is above.
// It returns "" when there is none.
func Find(dir, moduleRoot string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	stop := repoRoot(moduleRoot)
	if stop == "" {
		stop = moduleRoot
	}
	for {
		for _, n := range FileNames {
			p := filepath.Join(d, n)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
		}
		if d == stop || filepath.Dir(d) == d || !within(d, stop) {
			return "", nil
		}
		d = filepath.Dir(d)
	}
}

// within reports whether d is stop or below it.
func within(d, stop string) bool {
	rel, err := filepath.Rel(stop, d)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// repoRoot returns the nearest folder at or above dir holding .git, or "".
func repoRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Load reads and validates a config file. knownChecks lists the check IDs
// the checks map may name.
func Load(path string, knownChecks []string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, path, err)
	}
	return Parse(path, b, knownChecks)
}

// Parse decodes and validates config text; name labels errors.
func Parse(name string, b []byte, knownChecks []string) (*Config, error) {
	c := &Config{Path: name}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, name, yamlMessage(err))
	}
	if err := c.validate(knownChecks); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, name, err)
	}
	return c, nil
}

// yamlMessage turns yaml.v3's multi-line type errors into one line.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ") + " (known keys: checks, weights, gate, exclude, errcheck, staticcheck; gate: min-score, fail-on, fail-on-new, max-score-drop; exclude: path, rule, reason; errcheck: std-error-handling, exclude-functions; staticcheck: checks)"
	}
	return err.Error()
}

func (c *Config) validate(knownChecks []string) error {
	known := map[string]bool{}
	for _, id := range knownChecks {
		known[id] = true
	}
	for _, id := range sortedKeys(c.Checks) {
		if !known[id] {
			return fmt.Errorf("checks: unknown check %q: known checks are %s", id, strings.Join(knownChecks, ", "))
		}
	}
	dims := map[string]bool{}
	var dimIDs []string
	for _, d := range reports.Dimensions {
		dims[d.ID] = true
		dimIDs = append(dimIDs, d.ID)
	}
	for _, id := range sortedKeys(c.Weights) {
		if !dims[id] {
			return fmt.Errorf("weights: unknown dimension %q: known dimensions are %s", id, strings.Join(dimIDs, ", "))
		}
		if w := c.Weights[id]; w < 0 {
			return fmt.Errorf("weights: %s is %v: use 0 (ignore the dimension) or more", id, w)
		}
	}
	if g := c.Gate; g.MinScore != nil && (*g.MinScore < 0 || *g.MinScore > 100) {
		return fmt.Errorf("gate.min-score %v: use a number from 0 to 100", *g.MinScore)
	}
	if g := c.Gate; g.MaxScoreDrop != nil && *g.MaxScoreDrop < 0 {
		return fmt.Errorf("gate.max-score-drop %v: use 0 or more", *g.MaxScoreDrop)
	}
	if f := c.Gate.FailOn; f != "" && f != "error" && f != "warning" && f != "none" {
		return fmt.Errorf("gate.fail-on %q: use error, warning or none", f)
	}
	for i, fn := range c.Errcheck.ExcludeFunctions {
		if strings.TrimSpace(fn) == "" || strings.ContainsAny(fn, " \t") {
			return fmt.Errorf("errcheck.exclude-functions[%d] %q: write pkg.Func, (pkg.T).Method or (*pkg.T).Method", i, fn)
		}
	}
	for i, e := range c.Exclude {
		if e.Path == "" && e.Rule == "" {
			return fmt.Errorf("exclude[%d]: give a path glob, a rule, or both", i)
		}
		if e.Path != "" && !doublestar.ValidatePattern(e.Path) {
			return fmt.Errorf("exclude[%d].path %q is not a valid glob", i, e.Path)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Disabled returns the checks switched off.
func (c *Config) Disabled() []string {
	var out []string
	for _, id := range sortedKeys(c.Checks) {
		if !c.Checks[id] {
			out = append(out, id)
		}
	}
	return out
}

// Excluded reports whether a finding matches an exclude entry.
func (c *Config) Excluded(f reports.Finding) bool {
	for _, e := range c.Exclude {
		if e.Rule != "" && !RuleMatches(e.Rule, f) {
			continue
		}
		if e.Path != "" {
			if f.File == "" {
				continue
			}
			if ok, _ := doublestar.Match(e.Path, f.File); !ok {
				continue
			}
		}
		return true
	}
	return false
}

// RuleMatches reports whether a rule pattern names the finding's rule:
// "rule", "check/rule", "check/*" or "*".
func RuleMatches(pattern string, f reports.Finding) bool {
	switch pattern {
	case "*", f.Rule, f.Check + "/" + f.Rule, f.Check + "/*":
		return true
	}
	return false
}
