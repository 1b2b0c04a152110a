package reports

import (
	"encoding/xml"
	"io"
	"sort"
	"strconv"
	"strings"
)

func init() { RegisterFormat("junit", "xml", RenderJUnit) }

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string         `xml:"name,attr"`
	Tests      int            `xml:"tests,attr"`
	Failures   int            `xml:"failures,attr"`
	Errors     int            `xml:"errors,attr"`
	Skipped    int            `xml:"skipped,attr"`
	Time       string         `xml:"time,attr"`
	Timestamp  string         `xml:"timestamp,attr,omitempty"`
	Properties *junitProps    `xml:"properties,omitempty"`
	Cases      []junitCase    `xml:"testcase"`
	SystemOut  *junitCharData `xml:"system-out,omitempty"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Skipped   *junitResult   `xml:"skipped,omitempty"`
	Error     *junitResult   `xml:"error,omitempty"`
	Failure   *junitResult   `xml:"failure,omitempty"`
	SystemOut *junitCharData `xml:"system-out,omitempty"`
}

type junitResult struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

type junitCharData struct {
	Text string `xml:",chardata"`
}

func junitTime(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64) }

// findingLines renders findings one per line: location, severity, rule,
// message and hint, for a failure body.
func findingLines(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		writeStrings(&b, location(f), ": ", string(f.Severity), ": ", f.Message)
		if f.Baseline == BaselineNew {
			b.WriteString(" [new]")
		}
		b.WriteString("\n")
		if f.Hint != "" {
			writeStrings(&b, "    hint: ", f.Hint, "\n")
		}
	}
	return b.String()
}

// RenderJUnit writes the report as JUnit XML (the Ant/Surefire dialect that
// Jenkins, GitLab, Azure DevOps and most CI servers read): one testsuite per
// check, one testcase per rule that has findings; error and warning findings
// make the testcase fail and the failure body lists every finding; info-only
// rules pass with their findings in system-out. A check without findings is
// one passing testcase; a skipped check is a skipped testcase and a check
// that could not run is an error. Labs are suites too, with a testcase per step.
func RenderJUnit(w io.Writer, r *Report, _ RenderOptions) error {
	root := junitSuites{Name: "gocap " + r.Module, Time: junitTime(r.DurationMS)}
	ts := r.Started.UTC().Format("2006-01-02T15:04:05")
	for _, c := range r.Checks {
		s := junitSuite{Name: "gocap." + c.ID, Time: junitTime(c.DurationMS), Timestamp: ts}
		s.Properties = &junitProps{Props: []junitProp{{"status", string(c.Status)}, {"summary", c.Summary}}}
		class := "gocap." + c.ID
		switch {
		case c.Status == StatusSkipped:
			s.Cases = append(s.Cases, junitCase{Name: c.ID, Classname: class, Time: junitTime(0), Skipped: &junitResult{Message: c.Summary}})
			s.Skipped++
		case c.Status == StatusError:
			s.Cases = append(s.Cases, junitCase{Name: c.ID, Classname: class, Time: junitTime(c.DurationMS), Error: &junitResult{Message: c.Summary, Type: "check-error", Text: c.Summary}})
			s.Errors++
		case len(c.Findings) == 0:
			s.Cases = append(s.Cases, junitCase{Name: c.ID, Classname: class, Time: junitTime(c.DurationMS)})
		default:
			byRule := map[string][]Finding{}
			for _, f := range c.Findings {
				byRule[f.Rule] = append(byRule[f.Rule], f)
			}
			var rules []string
			for k := range byRule {
				rules = append(rules, k)
			}
			sort.Strings(rules)
			for _, rule := range rules {
				fs := byRule[rule]
				tc := junitCase{Name: rule, Classname: class, Time: junitTime(0)}
				worst := SevInfo
				for _, f := range fs {
					if f.Severity.Rank() > worst.Rank() {
						worst = f.Severity
					}
				}
				if worst == SevInfo {
					tc.SystemOut = &junitCharData{Text: findingLines(fs)}
				} else {
					tc.Failure = &junitResult{Type: string(worst), Text: findingLines(fs),
						Message: strconv.Itoa(len(fs)) + " " + rule + " finding(s), first: " + location(fs[0]) + ": " + truncate(fs[0].Message, 200)}
					s.Failures++
				}
				s.Cases = append(s.Cases, tc)
			}
		}
		s.Tests = len(s.Cases)
		root.Suites = append(root.Suites, s)
	}
	for _, l := range r.Labs {
		s := junitSuite{Name: "gocap.lab." + l.ID, Time: junitTime(l.DurationMS), Timestamp: ts}
		class := "gocap.lab." + l.ID
		for _, st := range l.Steps {
			tc := junitCase{Name: st.Name, Classname: class, Time: junitTime(st.DurationMS)}
			msg := firstNonEmpty(st.Reason, st.Summary)
			switch st.Status {
			case StatusSkipped:
				tc.Skipped = &junitResult{Message: msg}
				s.Skipped++
			case StatusFail:
				tc.Failure = &junitResult{Message: msg, Type: "lab-step", Text: st.Summary + "\n" + st.Reason}
				s.Failures++
			case StatusError:
				tc.Error = &junitResult{Message: msg, Type: "lab-step", Text: st.Summary + "\n" + st.Reason}
				s.Errors++
			}
			var ms []string
			for _, m := range st.Metrics {
				ms = append(ms, m.Name+"="+fmtNum(m.Value)+m.Unit)
			}
			if len(ms) > 0 {
				tc.SystemOut = &junitCharData{Text: strings.Join(ms, "\n")}
			}
			s.Cases = append(s.Cases, tc)
		}
		s.Tests = len(s.Cases)
		root.Suites = append(root.Suites, s)
	}
	for _, s := range root.Suites {
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
