package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
)

func init() { RegisterFormat("sarif", "sarif", RenderSARIF) }

// SARIF 2.1.0 (OASIS) — only the parts gocap fills.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	Invocations        []sarifInvocation           `json:"invocations,omitempty"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult               `json:"results"`
	Properties         map[string]any              `json:"properties,omitempty"`
	AutomationDetails  *struct {
		ID string `json:"id"`
	} `json:"automationDetails,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      *sarifText     `json:"fullDescription,omitempty"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	BaselineState       string            `json:"baselineState,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// sarifLevel maps a gocap severity to a SARIF level.
func sarifLevel(s Severity) string {
	switch s {
	case SevError:
		return "error"
	case SevWarning:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub code scanning's "security-severity" (0.0–10.0)
// for the rules where a security rating fits: data races (memory corruption,
// undefined behaviour) and zero-trust (mTLS identity) findings. Other rules
// are quality findings and carry none.
func securitySeverity(f Finding) string {
	switch {
	case f.Check == "race" || strings.Contains(f.Rule, "data-race"):
		return "7.0"
	case f.Dimension == "zerotrust" && f.Severity == SevError:
		return "8.0"
	case f.Dimension == "zerotrust":
		return "5.0"
	}
	return ""
}

// DocsURL is the fallback help page for rules whose check has no URL.
const DocsURL = "https://github.com/gocap/gocap/blob/main/docs/reports.md"

// RenderSARIF writes the report as SARIF 2.1.0: one rule per gocap rule
// (check/rule) with its hint as help and the check's documentation as helpUri,
// one result per finding with its location relative to %SRCROOT% (the module
// root, or the repository root when RenderOptions.PathPrefix places the module
// in it — GitHub code scanning wants repository paths), and a partial
// fingerprint that survives moved lines.
func RenderSARIF(w io.Writer, r *Report, o RenderOptions) error {
	fs := r.Findings()
	checkURL := map[string]string{}
	checkName := map[string]string{}
	for _, c := range r.Checks {
		checkURL[c.ID] = c.URL
		checkName[c.ID] = c.Name
	}
	type ruleAcc struct {
		rule  sarifRule
		level int
	}
	rules := map[string]*ruleAcc{}
	for _, f := range fs {
		id := f.Check + "/" + f.Rule
		if rules[id] == nil {
			help := f.Hint
			if help == "" {
				help = "see " + firstNonEmpty(checkURL[f.Check], DocsURL)
			}
			doc := firstNonEmpty(checkURL[f.Check], DocsURL)
			rules[id] = &ruleAcc{rule: sarifRule{ID: id, Name: ruleName(f.Rule),
				ShortDescription: sarifText{Text: fmt.Sprintf("%s: %s", firstNonEmpty(checkName[f.Check], f.Check), f.Rule)},
				Help:             sarifText{Text: help, Markdown: fmt.Sprintf("%s\n\n[Documentation](%s)", help, doc)},
				HelpURI:          doc, Properties: map[string]any{"tags": tags(f)}}}
		}
		if acc := rules[id]; f.Severity.Rank() > acc.level {
			acc.level = f.Severity.Rank()
			acc.rule.DefaultConfiguration = sarifConfig{Level: sarifLevel(f.Severity)}
			if ss := securitySeverity(f); ss != "" {
				acc.rule.Properties["security-severity"] = ss
			}
		}
	}
	var ids []string
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	index := map[string]int{}
	driver := sarifDriver{Name: "gocap", Version: r.Tool.Version, InformationURI: "https://github.com/gocap/gocap", Rules: []sarifRule{}}
	for i, id := range ids {
		index[id] = i
		driver.Rules = append(driver.Rules, rules[id].rule)
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, c := range r.Checks {
		if c.Status == StatusError {
			inv.ExecutionSuccessful = false
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{Level: "error", Message: sarifText{Text: c.ID + ": " + c.Summary}})
		}
	}
	run.Invocations = []sarifInvocation{inv}
	if o.Root != "" {
		if abs, err := filepath.Abs(o.Root); err == nil {
			// With a PathPrefix the URIs are relative to the folder that
			// many levels above the module root (the repository root).
			base := filepath.ToSlash(abs)
			if p := strings.Trim(filepath.ToSlash(o.PathPrefix), "/"); p != "" && strings.HasSuffix(base, "/"+p) {
				base = strings.TrimSuffix(base, "/"+p)
			}
			u := url.URL{Scheme: "file", Path: strings.TrimSuffix(base, "/") + "/"}
			run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{"%SRCROOT%": {URI: u.String()}}
		}
	}
	run.Properties = map[string]any{"module": r.Module, "score": r.Score, "grade": r.Grade}
	for _, f := range fs {
		id := f.Check + "/" + f.Rule
		res := sarifResult{RuleID: id, RuleIndex: index[id], Level: sarifLevel(f.Severity),
			Message:             sarifText{Text: resultMessage(f)},
			PartialFingerprints: map[string]string{"gocap/v1": Fingerprint(f)},
			Properties:          map[string]any{"dimension": f.Dimension}}
		if f.File != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: uriPath(o.PathPrefix, f.File), URIBaseID: "%SRCROOT%"}}}
			if f.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line, StartColumn: f.Col}
			}
			res.Locations = []sarifLocation{loc}
		}
		switch f.Baseline {
		case BaselineNew:
			res.BaselineState = "new"
		case BaselineUnchanged:
			res.BaselineState = "unchanged"
		}
		run.Results = append(run.Results, res)
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func resultMessage(f Finding) string {
	if f.Hint == "" {
		return f.Message
	}
	return f.Message + "\n" + f.Hint
}

// uriPath escapes a slash-separated relative path as a URI reference.
func uriPath(prefix, p string) string {
	if prefix != "" {
		p = strings.TrimSuffix(filepath.ToSlash(prefix), "/") + "/" + p
	}
	return (&url.URL{Path: p}).EscapedPath()
}

func ruleName(rule string) string {
	var b strings.Builder
	up := true
	for _, c := range rule {
		if c == '-' || c == '_' || c == '/' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(c)))
			up = false
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func tags(f Finding) []string {
	t := []string{"gocap", f.Check}
	if f.Dimension != "" {
		t = append(t, f.Dimension)
	}
	if securitySeverity(f) != "" {
		t = append(t, "security")
	}
	return t
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
