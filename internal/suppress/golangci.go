package suppress

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gocap/gocap/reports"
)

// GolangciFiles are the golangci-lint configuration files gocap reads, in
// golangci-lint's order of precedence (YAML and JSON; JSON is YAML).
var GolangciFiles = []string{".golangci.yml", ".golangci.yaml", ".golangci.json"}

// ExcludeRule is one exclusion rule of a project's golangci-lint
// configuration: findings of the listed linters (all when none), in files
// whose slash path from the module root matches Path and not PathExcept,
// with a message matching Text. Linters map onto gocap's findings as
// //nolint's do (errcheck, errorlint, govet, staticcheck, unused, gosimple,
// stylecheck, modernize, all).
type ExcludeRule struct {
	Linters          []string
	Path, PathExcept *regexp.Regexp
	Text             *regexp.Regexp
}

type golangciRule struct {
	Path       string   `yaml:"path"`
	PathExcept string   `yaml:"path-except"`
	Text       string   `yaml:"text"`
	Linters    []string `yaml:"linters"`
}

type golangciErrcheck struct {
	Errcheck struct {
		ExcludeFunctions []string `yaml:"exclude-functions"`
	} `yaml:"errcheck"`
}

type golangciConfig struct {
	// v2: linters.exclusions.rules, linters.settings
	Linters struct {
		Exclusions struct {
			Rules []golangciRule `yaml:"rules"`
		} `yaml:"exclusions"`
		Settings golangciErrcheck `yaml:"settings"`
	} `yaml:"linters"`
	// v1: issues.exclude-rules, linters-settings
	Issues struct {
		ExcludeRules []golangciRule `yaml:"exclude-rules"`
	} `yaml:"issues"`
	LintersSettings golangciErrcheck `yaml:"linters-settings"`
}

// readGolangci decodes the first of GolangciFiles in root (path "" when
// there is none).
func readGolangci(root string) (c golangciConfig, path string, err error) {
	for _, name := range GolangciFiles {
		path := filepath.Join(root, name)
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return c, path, err
		}
		if err := yaml.Unmarshal(b, &c); err != nil {
			var te *yaml.TypeError
			if !errors.As(err, &te) {
				return c, path, fmt.Errorf("%s does not parse: %w", path, err)
			}
			// A field of another shape than gocap reads (golangci-lint's
			// schema has many): the fields that did decode apply.
		}
		return c, path, nil
	}
	return c, "", nil
}

// GolangciErrcheckExcludes returns the functions the project's
// golangci-lint configuration tells errcheck to skip (v2
// linters.settings.errcheck.exclude-functions, v1
// linters-settings.errcheck.exclude-functions), in errcheck's syntax: a
// team that wrote "(*go.uber.org/zap/buffer.Buffer).Write can not fail"
// there means it for gocap's errcheck too. A file that does not parse gives
// none (GolangciRules reports it).
func GolangciErrcheckExcludes(root string) []string {
	c, _, err := readGolangci(root)
	if err != nil {
		return nil
	}
	return append(c.Linters.Settings.Errcheck.ExcludeFunctions, c.LintersSettings.Errcheck.ExcludeFunctions...)
}

// GolangciRules reads the exclusion rules of the golangci-lint
// configuration in root (the first of GolangciFiles that exists): a team
// that gates with golangci-lint has said there which findings it does not
// want where (viper: no errcheck in _test.go files), and gocap honours it
// as it honours //nolint. Rules naming only linters gocap does not run
// change nothing. No file: no rules; a file that does not parse is an error
// naming it.
func GolangciRules(root string) ([]ExcludeRule, string, error) {
	c, path, err := readGolangci(root)
	if err != nil || path == "" {
		return nil, path, err
	}
	var out []ExcludeRule
	for _, r := range append(c.Linters.Exclusions.Rules, c.Issues.ExcludeRules...) {
		if r.Path == "" && r.PathExcept == "" && r.Text == "" && len(r.Linters) == 0 {
			continue
		}
		er := ExcludeRule{}
		for _, l := range r.Linters {
			er.Linters = append(er.Linters, strings.ToLower(strings.TrimSpace(l)))
		}
		for _, re := range []struct {
			src string
			dst **regexp.Regexp
		}{{r.Path, &er.Path}, {r.PathExcept, &er.PathExcept}, {r.Text, &er.Text}} {
			if re.src == "" {
				continue
			}
			x, err := regexp.Compile(re.src)
			if err != nil {
				return nil, path, fmt.Errorf("%s: exclusion rule %q: %w", path, re.src, err)
			}
			*re.dst = x
		}
		out = append(out, er)
	}
	return out, path, nil
}

// covers reports whether the rule excludes f.
func (r ExcludeRule) covers(f reports.Finding) bool {
	if f.File == "" {
		return false
	}
	if r.Path != nil && !r.Path.MatchString(f.File) || r.PathExcept != nil && r.PathExcept.MatchString(f.File) {
		return false
	}
	if r.Text != nil && !r.Text.MatchString(f.Message) {
		return false
	}
	if len(r.Linters) == 0 {
		return true
	}
	for _, l := range r.Linters {
		if nolintCovers(l, f) {
			return true
		}
	}
	return false
}

// ApplyRules removes the findings the rules exclude and says how many in
// the ignore check's summary (config names the file they came from).
func ApplyRules(r *reports.Report, rules []ExcludeRule, config string) int {
	if len(rules) == 0 {
		return 0
	}
	n := 0
	reports.FilterFindings(r, func(f reports.Finding) bool {
		for _, rule := range rules {
			if rule.covers(f) {
				n++
				return false
			}
		}
		return true
	})
	if n == 0 {
		return 0
	}
	note := fmt.Sprintf("%d findings excluded by %s", n, filepath.Base(config))
	for i := range r.Checks {
		if r.Checks[i].ID == CheckID {
			r.Checks[i].Summary += "; " + note
			return n
		}
	}
	r.AddCheck(reports.Check{ID: CheckID, Name: "gocap:ignore directives", Status: reports.StatusPass, URL: reports.DocsURL, Summary: note, Findings: []reports.Finding{}})
	return n
}
