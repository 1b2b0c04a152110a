// Package testjson reads the event stream of `go test -json` (cmd/test2json
// plus the build events of `go help buildjson`) and groups it per package and
// per test, so callers can find races, failures, panics and build errors.
package testjson

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Event is one line of the stream. Test events carry Package; build events
// (build-output, build-fail) carry ImportPath instead.
type Event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	Elapsed     float64
	ImportPath  string
	FailedBuild string
}

// Line is one output line with the test that printed it ("" for the package).
type Line struct {
	Test string
	Text string // without the trailing newline
}

// Test is one test's outcome.
type Test struct {
	Name   string
	Action string // pass, fail, skip, or "" when it never finished (timeout, crash)
	Output []string
}

// Package is one package's outcome.
type Package struct {
	ImportPath string
	// Action is pass, fail or skip ("" when the stream ended first).
	Action string
	// NoTests is set for "? pkg [no test files]".
	NoTests bool
	// FailedBuild names the build action that failed, if any.
	FailedBuild string
	// Output holds every output line of the package in stream order.
	Output []Line
	Tests  map[string]*Test
	// Order lists test names in first-seen order.
	Order []string
}

// Build is the output of one failed or noisy build action.
type Build struct {
	ImportPath string // "pkg [pkg.test]"
	Failed     bool
	Output     []string
}

// Result is the whole stream grouped.
type Result struct {
	Packages map[string]*Package
	Builds   map[string]*Build
	// Other holds lines that are not JSON (a go command error on stdout).
	Other []string
}

// SortedPackages returns the packages ordered by import path.
func (r *Result) SortedPackages() []*Package {
	out := make([]*Package, 0, len(r.Packages))
	for _, p := range r.Packages {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImportPath < out[j].ImportPath })
	return out
}

// Read decodes a whole stream. Non-JSON lines are kept in Other; a read error
// is returned with whatever was decoded before it.
func Read(r io.Reader) (*Result, error) { return ReadEach(r, nil) }

// Add folds one event into the result.
func (r *Result) Add(e Event) {
	switch e.Action {
	case "build-output", "build-fail":
		b := r.Builds[e.ImportPath]
		if b == nil {
			b = &Build{ImportPath: e.ImportPath}
			r.Builds[e.ImportPath] = b
		}
		if e.Action == "build-fail" {
			b.Failed = true
		} else {
			b.Output = append(b.Output, strings.TrimSuffix(e.Output, "\n"))
		}
		return
	}
	if e.Package == "" {
		return
	}
	p := r.Packages[e.Package]
	if p == nil {
		p = &Package{ImportPath: e.Package, Tests: map[string]*Test{}}
		r.Packages[e.Package] = p
	}
	var t *Test
	if e.Test != "" {
		t = p.Tests[e.Test]
		if t == nil {
			t = &Test{Name: e.Test}
			p.Tests[e.Test] = t
			p.Order = append(p.Order, e.Test)
		}
	}
	switch e.Action {
	case "output":
		text := strings.TrimSuffix(e.Output, "\n")
		p.Output = append(p.Output, Line{Test: e.Test, Text: text})
		if t != nil {
			t.Output = append(t.Output, text)
		} else if strings.HasPrefix(text, "?") && strings.HasSuffix(text, "[no test files]") {
			p.NoTests = true
		}
	case "pass", "fail", "skip":
		if t != nil {
			t.Action = e.Action
		} else {
			p.Action = e.Action
			if e.FailedBuild != "" {
				p.FailedBuild = e.FailedBuild
			}
		}
	}
}

// FailedLeaves returns the failed tests of p that have no failed subtest, in
// stream order: a failing subtest fails its parents too, but only the leaf
// says why.
func (p *Package) FailedLeaves() []*Test {
	var out []*Test
	for _, name := range p.Order {
		t := p.Tests[name]
		if t.Action != "fail" {
			continue
		}
		leaf := true
		for _, o := range p.Order {
			if strings.HasPrefix(o, name+"/") && p.Tests[o].Action == "fail" {
				leaf = false
				break
			}
		}
		if leaf {
			out = append(out, t)
		}
	}
	return out
}

// Unfinished returns the tests that started but never reported an outcome
// (the binary timed out or crashed while they ran).
func (p *Package) Unfinished() []*Test {
	var out []*Test
	for _, name := range p.Order {
		if t := p.Tests[name]; t.Action == "" {
			out = append(out, t)
		}
	}
	return out
}

// ReadEach decodes a stream as Read does and calls each (when not nil) with
// every event after folding it in, so a caller can show progress while the
// stream is still being written.
func ReadEach(r io.Reader, each func(Event)) (*Result, error) {
	res := &Result{Packages: map[string]*Package{}, Builds: map[string]*Build{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var e Event
		if b[0] != '{' || json.Unmarshal(b, &e) != nil {
			res.Other = append(res.Other, string(b))
			continue
		}
		res.Add(e)
		if each != nil {
			each(e)
		}
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("reading go test -json output: %w", err)
	}
	return res, nil
}
