package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gocap/gocap/checks/internal/testmod"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/reports"
)

var lintChecks = []string{"vet", "errors", "logging", "staticcheck", "modernize"}

var (
	lintReportsMu sync.Mutex
	lintReports   = map[string]*reports.Report{}
)

// lintReport runs the vet, errors and logging checks on a testdata module
// once per test binary (the analysis cache is off: the real load and run).
func lintReport(t *testing.T, dir string) *reports.Report {
	t.Helper()
	lintReportsMu.Lock()
	defer lintReportsMu.Unlock()
	if r := lintReports[dir]; r != nil {
		return r
	}
	t.Setenv("GOCAP_CACHE", "off")
	r, err := Run(context.Background(), Options{Dir: dir, Checks: testChecks, Only: lintChecks})
	if err != nil {
		t.Fatalf("gocap check %s: %v", dir, err)
	}
	for _, c := range r.Checks {
		if c.Status == reports.StatusError {
			t.Fatalf("check %s errored: %s", c.ID, c.Summary)
		}
	}
	lintReports[dir] = r
	return r
}

type want struct {
	file string // relative to the module root
	line int
	res  []*regexp.Regexp
}

var (
	wantRe = regexp.MustCompile(`// want ((?:\s*(?:"(?:[^"\\]|\\.)*"|` + "`[^`]*`" + `))+)\s*$`)
	strRe  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|` + "`[^`]*`")
)

// readWants collects the `// want "regexp"...` marks of the Go files under
// root/sub.
func readWants(t *testing.T, root, sub string) []want {
	t.Helper()
	var out []want
	err := filepath.WalkDir(filepath.Join(root, sub), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		for i, l := range strings.Split(string(b), "\n") {
			m := wantRe.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			w := want{file: filepath.ToSlash(rel), line: i + 1}
			for _, q := range strRe.FindAllString(m[1], -1) {
				s, err := strconv.Unquote(q)
				if err != nil {
					t.Fatalf("%s:%d: bad want %s: %v", rel, i+1, q, err)
				}
				w.res = append(w.res, regexp.MustCompile(s))
			}
			out = append(out, w)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func lintFindings(r *reports.Report) []reports.Finding {
	var out []reports.Finding
	for _, c := range r.Checks {
		for _, id := range lintChecks {
			if c.ID == id {
				out = append(out, c.Findings...)
			}
		}
	}
	return out
}

func findingText(f reports.Finding) string { return f.Rule + ": " + f.Message }

// TestLintDefects: every want mark under testdata/defects/lint is found at
// its file:line, and no error-level finding of the three checks there is
// unexpected.
func TestLintDefects(t *testing.T) {
	root, _ := filepath.Abs("testdata/defects")
	r := lintReport(t, root)
	fs := lintFindings(r)
	at := map[string][]reports.Finding{}
	for _, f := range fs {
		k := fmt.Sprintf("%s:%d", f.File, f.Line)
		at[k] = append(at[k], f)
	}
	wants := readWants(t, root, "lint")
	if len(wants) < 40 {
		t.Fatalf("only %d want marks read: the parser is broken", len(wants))
	}
	expected := map[string][]*regexp.Regexp{}
	for _, w := range wants {
		k := fmt.Sprintf("%s:%d", w.file, w.line)
		expected[k] = w.res
		for _, re := range w.res {
			ok := false
			for _, f := range at[k] {
				if re.MatchString(findingText(f)) {
					ok = true
					if f.Hint == "" || f.Dimension == "" || f.Severity == "" {
						t.Errorf("%s: finding %q lacks hint, dimension or severity", k, findingText(f))
					}
				}
			}
			if !ok {
				var got []string
				for _, f := range at[k] {
					got = append(got, findingText(f))
				}
				t.Errorf("%s: no finding matches %q; got %q", k, re, got)
			}
		}
	}
	for _, f := range fs {
		k := fmt.Sprintf("%s:%d", f.File, f.Line)
		matched := false
		for _, re := range expected[k] {
			matched = matched || re.MatchString(findingText(f))
		}
		// Other legs plant their own defects elsewhere in this module
		// (races, hot loops): only lint/ is held to "nothing unexpected".
		if !matched && f.Severity == reports.SevError && strings.HasPrefix(f.File, "lint/") {
			t.Errorf("%s: unexpected error finding %q", k, findingText(f))
		}
		if strings.HasPrefix(f.File, "lint/gen/") {
			t.Errorf("%s: finding in a generated file: %q", k, findingText(f))
		}
	}
	vet := r.Check("vet")
	if vet == nil || vet.Status != reports.StatusFail || !strings.Contains(vet.Summary, "1 in generated files skipped") {
		t.Errorf("vet check = %+v, want fail with the generated file's finding skipped", vet)
	}
}

// TestLintDimensions: concurrency analyzers cost concurrency points, the
// rest correctness; errors and logging their own dimensions.
func TestLintDimensions(t *testing.T) {
	root, _ := filepath.Abs("testdata/defects")
	want := map[string]string{"copylocks": "concurrency", "lostcancel": "concurrency", "loopclosure": "concurrency",
		"atomic": "concurrency", "waitgroup": "concurrency", "testinggoroutine": "concurrency", "sigchanyzer": "concurrency",
		"printf": "correctness", "nilness": "correctness", "unusedwrite": "correctness", "structtag": "correctness",
		"errcheck": "errors", "errorlint": "errors", "printlog": "observability",
		"SA1029": "correctness", "SA4006": "correctness", "SA1019": "style", "U1000": "style", "rangeint": "style", "any": "style"}
	sev := map[string]reports.Severity{"printf": reports.SevError, "unusedwrite": reports.SevWarning,
		"errorlint/errorf": reports.SevWarning, "errorlint/comparison": reports.SevError, "printlog/fmt": reports.SevWarning,
		"nilness/nilderef": reports.SevError, "SA1029": reports.SevWarning, "SA4006": reports.SevWarning,
		"SA1019": reports.SevWarning, "U1000": reports.SevWarning, "rangeint": reports.SevInfo}
	seen := map[string]bool{}
	for _, f := range lintFindings(lintReport(t, root)) {
		if f.Rule == "errcheck" {
			// Dropped errors: errors in production code, warnings in tests.
			want := reports.SevError
			if strings.HasSuffix(f.File, "_test.go") {
				want = reports.SevWarning
			}
			if f.Severity != want {
				t.Errorf("%s:%d errcheck: severity %s, want %s", f.File, f.Line, f.Severity, want)
			}
		}
		base, _, _ := strings.Cut(f.Rule, "/")
		if d, ok := want[base]; ok {
			seen[base] = true
			if f.Dimension != d {
				t.Errorf("%s: dimension %s, want %s", f.Rule, f.Dimension, d)
			}
		}
		if s, ok := sev[f.Rule]; ok && f.Severity != s {
			t.Errorf("%s: severity %s, want %s", f.Rule, f.Severity, s)
		}
	}
	for r := range want {
		if !seen[r] {
			t.Errorf("no %s finding on the defects module", r)
		}
	}
}

// TestLintClean: the clean module has no error-level finding.
func TestLintClean(t *testing.T) {
	root, _ := filepath.Abs("testdata/clean")
	for _, f := range lintFindings(lintReport(t, root)) {
		if f.Severity == reports.SevError {
			t.Errorf("clean module: error finding %s:%d %s", f.File, f.Line, findingText(f))
		}
	}
}

type vetDiag struct {
	file, analyzer string
	line           int
	msg            string
}

// goVet runs the real go vet -json in dir and returns its diagnostics; a
// package that does not type-check comes out as a "vet: file:line:col: msg"
// line, returned with analyzer "typecheck".
func goVet(t *testing.T, dir string) []vetDiag {
	t.Helper()
	cmd := exec.Command("go", "vet", "-json", "./...")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stderr = &out
	cmd.Stdout = &out
	runErr := cmd.Run() // exits 1 when a package does not type-check
	var jsonText bytes.Buffer
	var diags []vetDiag
	typeErrs := 0
	for _, l := range strings.SplitAfter(out.String(), "\n") {
		switch {
		case strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "vet: "):
			m := vetErrRe.FindStringSubmatch(strings.TrimSpace(l))
			if m == nil {
				t.Fatalf("go vet in %s: %s", dir, l)
			}
			line, _ := strconv.Atoi(m[2])
			diags = append(diags, vetDiag{file: filepath.ToSlash(m[1]), analyzer: "typecheck", line: line, msg: m[3]})
			typeErrs++
		default:
			jsonText.WriteString(l)
		}
	}
	if runErr != nil && typeErrs == 0 {
		t.Fatalf("go vet -json in %s: %v\n%s", dir, runErr, out.String())
	}
	dec := json.NewDecoder(&jsonText)
	for {
		var doc map[string]map[string]json.RawMessage
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go vet -json output: %v\n%s", err, out.String())
		}
		for pkg, byAnalyzer := range doc {
			for a, raw := range byAnalyzer {
				var ds []struct{ Posn, Message string }
				if err := json.Unmarshal(raw, &ds); err != nil {
					t.Fatalf("go vet -json: %s: %s: %s", pkg, a, raw)
				}
				for _, d := range ds {
					parts := strings.Split(d.Posn, ":")
					line, _ := strconv.Atoi(parts[len(parts)-2])
					rel, _ := filepath.Rel(dir, strings.Join(parts[:len(parts)-2], ":"))
					diags = append(diags, vetDiag{file: filepath.ToSlash(rel), analyzer: a, line: line, msg: d.Message})
				}
			}
		}
	}
	return diags
}

var vetErrRe = regexp.MustCompile(`^vet: (.+?):(\d+):(\d+): (.*)$`)

// TestVetParity: every diagnostic the real go vet prints on the testdata
// modules and on gocap itself is among gocap's vet findings (same file, line and analyzer),
// except in generated files, which gocap skips on purpose.
func TestVetParity(t *testing.T) {
	broken := testmod.Write(t, map[string]string{
		"go.mod":       "module example.com/m\n\ngo 1.26\n",
		"bad/bad.go":   "package bad\n\nfunc F() int { return \"x\" }\n",
		"good/good.go": "package good\n\nimport \"fmt\"\n\nfunc G(s string) string { return fmt.Sprintf(\"%d\", s) }\n",
	})
	for _, mod := range []string{"testdata/defects", "testdata/clean", "..", broken} {
		name := filepath.Base(mod)
		switch mod {
		case "..":
			name = "gocap" // gocap's own module: real third-party dependencies
		case broken:
			name = "broken" // a package that does not type-check
		}
		t.Run(name, func(t *testing.T) {
			root, _ := filepath.Abs(mod)
			diags := goVet(t, root)
			if mod == "testdata/defects" && len(diags) < 30 || mod == broken && len(diags) != 2 {
				t.Fatalf("go vet printed %d diagnostics on %s: %+v", len(diags), name, diags)
			}
			have := map[string]bool{}
			for _, f := range lintReport(t, root).Check("vet").Findings {
				base, _, _ := strings.Cut(f.Rule, "/")
				have[fmt.Sprintf("%s:%d:%s", f.File, f.Line, base)] = true
			}
			var missing []string
			for _, d := range diags {
				if src, err := os.ReadFile(filepath.Join(root, d.file)); err == nil && isGenerated(src) {
					continue
				}
				k := fmt.Sprintf("%s:%d:%s", d.file, d.line, d.analyzer)
				if !have[k] {
					missing = append(missing, k+": "+d.msg)
				}
			}
			sort.Strings(missing)
			for _, m := range missing {
				t.Errorf("go vet reports %s; gocap does not", m)
			}
		})
	}
}

// TestVetTypecheckFinding: a package with a type error is a typecheck
// error finding at its file:line (relative path), and the other packages
// are still analysed.
func TestVetTypecheckFinding(t *testing.T) {
	t.Setenv("GOCAP_CACHE", "off")
	dir := testmod.Write(t, map[string]string{
		"go.mod":       "module example.com/m\n\ngo 1.26\n",
		"bad/bad.go":   "package bad\n\nfunc F() int { return \"x\" }\n",
		"good/good.go": "package good\n\nimport \"fmt\"\n\nfunc G(s string) string { return fmt.Sprintf(\"%d\", s) }\n",
	})
	env := &Env{Dir: dir, Module: "example.com/m", Patterns: []string{"./..."}}
	res, err := Vet.Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s:%d %s %s", f.File, f.Line, f.Rule, f.Severity))
	}
	sort.Strings(got)
	want := []string{"bad/bad.go:3 typecheck error", "good/good.go:5 printf error"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestVetNewerGoIsUsageError: a module needing a newer Go than gocap's is a
// usage error (exit 2) with one line saying what to do.
func TestVetNewerGoIsUsageError(t *testing.T) {
	t.Setenv("GOCAP_CACHE", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	dir := testmod.Write(t, map[string]string{"go.mod": "module example.com/m\n\ngo 1.99\n", "m.go": "package m\n"})
	_, err := Errors.Run(context.Background(), &Env{Dir: dir, Module: "example.com/m", Patterns: []string{"./..."}})
	if !errors.Is(err, cmdutil.ErrUsage) || !strings.Contains(err.Error(), "needs Go 1.99 or newer") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want a one-line usage error naming Go 1.99", err)
	}
}

// buildStaticcheck builds staticcheck (honnef.co/go/tools/cmd/staticcheck,
// the version go.mod pins) into a temp folder; the build cache makes it
// cheap after the first time.
func buildStaticcheck(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "staticcheck")
	cmd := exec.Command("go", "build", "-o", bin, "honnef.co/go/tools/cmd/staticcheck")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building staticcheck: %v\n%s", err, out)
	}
	return bin
}

// TestStaticcheckParity: every finding the real staticcheck -checks
// 'SA*,U1000' prints on the testdata modules is in gocap's report at the
// same file:line (a staticcheck finding with the same code, or, for a
// check that duplicates a vet analyzer, that analyzer's finding), except
// in generated files, which gocap skips on purpose.
func TestStaticcheckParity(t *testing.T) {
	bin := buildStaticcheck(t)
	for _, mod := range []string{"testdata/defects", "testdata/clean"} {
		t.Run(filepath.Base(mod), func(t *testing.T) {
			root, _ := filepath.Abs(mod)
			cmd := exec.Command(bin, "-checks", "SA*,U1000", "-f", "json", "./...")
			cmd.Dir = root
			out, err := cmd.Output()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatalf("staticcheck: %v", err)
			}
			type scDiag struct {
				Code     string
				Location struct {
					File string
					Line int
				}
				Message string
			}
			var diags []scDiag
			dec := json.NewDecoder(bytes.NewReader(out))
			for {
				var d scDiag
				if err := dec.Decode(&d); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatalf("staticcheck -f json: %v\n%s", err, out)
				}
				diags = append(diags, d)
			}
			if mod == "testdata/defects" && len(diags) < 5 {
				t.Fatalf("staticcheck printed only %d findings on %s: %+v", len(diags), mod, diags)
			}
			have := map[string]bool{}
			for _, f := range lintFindings(lintReport(t, root)) {
				have[fmt.Sprintf("%s:%d:%s", f.File, f.Line, strings.SplitN(f.Rule, "/", 2)[0])] = true
			}
			var missing []string
			for _, d := range diags {
				rel, _ := filepath.Rel(root, d.Location.File)
				rel = filepath.ToSlash(rel)
				if src, err := os.ReadFile(d.Location.File); err == nil && isGenerated(src) {
					continue
				}
				k := fmt.Sprintf("%s:%d:", rel, d.Location.Line)
				if have[k+d.Code] || have[k+vetTwin[d.Code]] {
					continue
				}
				if d.Code == "SA2002" && nearTwin(have, rel, d.Location.Line, "testinggoroutine") {
					continue // staticcheck reports the go statement, vet the Fatal call in it
				}
				missing = append(missing, k+d.Code+": "+d.Message)
			}
			sort.Strings(missing)
			for _, m := range missing {
				t.Errorf("staticcheck reports %s; gocap does not", m)
			}
		})
	}
}

// nearTwin: analyzer reported in file within the 20 lines from line on.
func nearTwin(have map[string]bool, file string, line int, analyzer string) bool {
	for l := line; l < line+20; l++ {
		if have[fmt.Sprintf("%s:%d:%s", file, l, analyzer)] {
			return true
		}
	}
	return false
}
