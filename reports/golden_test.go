package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func render(t *testing.T, r *Report, format string, o RenderOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, r, format, o); err != nil {
		t.Fatalf("render %s: %v", format, err)
	}
	return buf.Bytes()
}

// TestGolden renders the fixture in every registered format and compares it
// with testdata/golden/report.<format>; go test -update rewrites them.
func TestGolden(t *testing.T) {
	for _, format := range FormatNames() {
		t.Run(format, func(t *testing.T) {
			got := render(t, fixtureReport(), format, RenderOptions{Root: fixtureRoot, Width: 100})
			// The checkout's location must not leak into the goldens.
			abs, err := filepath.Abs(fixtureRoot)
			if err != nil {
				t.Fatal(err)
			}
			got = bytes.ReplaceAll(got, []byte(filepath.ToSlash(abs)), []byte("$ROOT"))
			path := filepath.Join("testdata", "golden", "report."+format)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./reports -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (rerun with -update after checking the change):\n%s", format, path, firstDiff(string(want), string(got)))
			}
		})
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + x + "\ngot:  " + y
		}
	}
	return ""
}

// TestSARIFSchema validates the SARIF output against the official OASIS
// SARIF 2.1.0 JSON schema (testdata/sarif-schema-2.1.0.json).
func TestSARIFSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	c.AssertFormat()
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(fixtureRoot)
	for name, r := range map[string]*Report{"fixture": fixtureReport(), "empty": {SchemaVersion: 1, Tool: Tool{Name: "gocap"}, Checks: []Check{}}} {
		out := render(t, r, "sarif", RenderOptions{Root: abs})
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: SARIF output is not valid SARIF 2.1.0: %v", name, err)
		}
	}
	// The validator must reject what the schema forbids, or the test above proves nothing.
	bad := []byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gocap"}},"results":[{"message":{"text":"x"},"level":"fatal"}]}]}`)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if err := sch.Validate(inst); err == nil {
		t.Error("the schema accepted level \"fatal\": the validator is not checking")
	}
}

// TestSARIFContent checks what code scanning relies on: one rule per gocap
// rule with help and helpUri, results pointing at the rule and the location,
// security-severity on the race rule, baseline states and fingerprints.
func TestSARIFContent(t *testing.T) {
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string
						HelpURI string `json:"helpUri"`
						Help    struct{ Text string }
						Props   map[string]any `json:"properties"`
					}
				}
			}
			OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
			Results            []struct {
				RuleID        string `json:"ruleId"`
				RuleIndex     int    `json:"ruleIndex"`
				Level         string
				BaselineState string            `json:"baselineState"`
				Fingerprints  map[string]string `json:"partialFingerprints"`
				Locations     []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	abs, _ := filepath.Abs(fixtureRoot)
	if err := json.Unmarshal(render(t, fixtureReport(), "sarif", RenderOptions{Root: abs}), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if got := run.OriginalURIBaseIDs["%SRCROOT%"].URI; got != "file://"+filepath.ToSlash(abs)+"/" {
		t.Errorf("%%SRCROOT%% = %q", got)
	}
	rules := run.Tool.Driver.Rules
	if len(rules) != 6 {
		t.Fatalf("want 6 rules (one per check/rule), got %d", len(rules))
	}
	for _, r := range run.Results {
		rule := rules[r.RuleIndex]
		if rule.ID != r.RuleID {
			t.Errorf("result %s points at rule %d = %s", r.RuleID, r.RuleIndex, rule.ID)
		}
		if rule.HelpURI == "" || rule.Help.Text == "" {
			t.Errorf("rule %s lacks help", rule.ID)
		}
		if r.Fingerprints["gocap/v1"] == "" {
			t.Errorf("result %s lacks a fingerprint", r.RuleID)
		}
		switch r.RuleID {
		case "race/data-race":
			if rule.Props["security-severity"] != "7.0" {
				t.Errorf("race rule security-severity = %v", rule.Props["security-severity"])
			}
		case "vet/printf":
			loc := r.Locations[0].PhysicalLocation
			if loc.ArtifactLocation.URI != "calc/calc.go" || loc.Region.StartLine != 18 || loc.Region.StartColumn != 2 || r.Level != "error" {
				t.Errorf("vet/printf result: %+v level %s", loc, r.Level)
			}
			if r.BaselineState != "unchanged" {
				t.Errorf("vet/printf moved two lines but is %q, want unchanged", r.BaselineState)
			}
			if rule.Props["security-severity"] != nil {
				t.Error("a vet rule must not carry security-severity")
			}
		case "escape/escape":
			if r.Level != "note" || r.BaselineState != "new" {
				t.Errorf("escape/escape: level %s baseline %s", r.Level, r.BaselineState)
			}
		}
	}
}

// TestJUnitSchema validates the JUnit output against the Jenkins xUnit
// plugin's JUnit schema (testdata/junit-10.xsd) with xmllint.
func TestJUnitSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is required (Debian: apt-get install -y libxml2-utils)")
	}
	dir := t.TempDir()
	for name, r := range map[string]*Report{"fixture": fixtureReport(), "empty": {SchemaVersion: 1, Tool: Tool{Name: "gocap"}, Checks: []Check{}}} {
		p := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(p, render(t, r, "junit", RenderOptions{}), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit-10.xsd", p).CombinedOutput()
		if err != nil {
			t.Errorf("%s: JUnit output does not validate: %v\n%s", name, err, out)
		}
	}
	// A document the schema forbids must fail, or the check above proves nothing.
	bad := filepath.Join(dir, "bad.xml")
	if err := os.WriteFile(bad, []byte(`<testsuites><testsuite name="x"><testcase/></testsuite></testsuites>`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit-10.xsd", bad).Run(); err == nil {
		t.Error("xmllint accepted a testsuite without tests/failures/errors and a testcase without name")
	}
}

// TestJUnitContent checks the counts and that failures carry every finding.
func TestJUnitContent(t *testing.T) {
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Type string `xml:"type,attr"`
					Text string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(render(t, fixtureReport(), "junit", RenderOptions{}), &doc); err != nil {
		t.Fatal(err)
	}
	// vet: printf, copylocks fail; fmt: gofmt; tidy pass; race fails; escape:
	// hot-escape fails, escape (info) passes; pprof skipped; logging error;
	// lab: 1 failed step, 1 skipped.
	if doc.Failures != 6 || doc.Errors != 1 {
		t.Errorf("failures %d errors %d, want 6 and 1", doc.Failures, doc.Errors)
	}
	found := false
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if s.Name == "gocap.vet" && c.Name == "printf" {
				found = c.Failure != nil && c.Failure.Type == "error" && strings.Contains(c.Failure.Text, "calc/calc.go:18:2") && strings.Contains(c.Failure.Text, "hint:")
			}
		}
	}
	if !found {
		t.Error("testcase gocap.vet/printf has no failure carrying its finding")
	}
}

func TestGitHubAnnotations(t *testing.T) {
	r := fixtureReport()
	r.Checks[0].Findings[0].Message = "bad: 100%\nsecond line"
	out := string(render(t, r, "github", RenderOptions{PathPrefix: "sub/mod"}))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(r.Findings()) {
		t.Fatalf("%d lines for %d findings", len(lines), len(r.Findings()))
	}
	want := "::error file=sub/mod/calc/calc.go,line=18,col=2,title=gocap vet/printf::bad: 100%25%0Asecond line%0Athe format string"
	if !strings.Contains(out, want) {
		t.Errorf("missing %q in\n%s", want, out)
	}
	if !strings.Contains(out, "::notice file=sub/mod/calc/calc.go,line=13,col=10,title=gocap escape/escape (new)::") {
		t.Errorf("info finding should be a notice marked new:\n%s", out)
	}
}

// TestHTMLUntrustedReport: a report file can come from anywhere; its text is
// escaped and its paths cannot read files outside the root.
func TestHTMLUntrustedReport(t *testing.T) {
	r := fixtureReport()
	r.Checks[0].Findings = append(r.Checks[0].Findings,
		Finding{Check: "vet", Rule: "x", Severity: SevError, File: "../../../../../../etc/passwd", Line: 1, Message: "<script>alert(1)</script>"},
		Finding{Check: "vet", Rule: "y", Severity: SevError, File: "/etc/passwd", Line: 1, Message: "abs"})
	out := string(render(t, r, "html", RenderOptions{Root: fixtureRoot}))
	if strings.Contains(out, "<script>alert(1)") || !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("finding text is not escaped")
	}
	if strings.Contains(out, "root:x:0:0") {
		t.Error("code context read a file outside the module root")
	}
	if strings.Count(out, "<script>") != 1 {
		t.Errorf("the page must hold exactly its own script, found %d", strings.Count(out, "<script>"))
	}
}

// TestSARIFPathPrefix: a module in a repository subfolder gets repository paths.
func TestSARIFPathPrefix(t *testing.T) {
	abs, _ := filepath.Abs(fixtureRoot) // .../reports/testdata/src
	out := string(render(t, fixtureReport(), "sarif", RenderOptions{Root: abs, PathPrefix: "testdata/src"}))
	base := "file://" + filepath.ToSlash(filepath.Dir(filepath.Dir(abs))) + "/"
	if !strings.Contains(out, `"uri": "`+base+`"`) || !strings.Contains(out, `"uri": "testdata/src/calc/calc.go"`) {
		t.Errorf("want %%SRCROOT%% %s and prefixed paths:\n%.1500s", base, out)
	}
}
