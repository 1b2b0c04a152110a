package reports

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrModuleMismatch is wrapped by Merge when the reports come from different modules.
var ErrModuleMismatch = errors.New("reports come from different modules")

// Merge joins reports of one module — typically the shards of one run
// (gocap check --shard I/N) — into one: the union of checks, findings,
// races, benchmarks, profiles, escapes, labs and artifacts, without
// duplicates (a module-wide check such as tidy reports the same findings in
// every shard), re-scored with the first report's weights. names label the
// reports in errors. Reports of different modules are refused.
func Merge(names []string, reps []*Report) (*Report, error) {
	if len(reps) == 0 {
		return nil, fmt.Errorf("%w: nothing to merge", ErrBadReport)
	}
	first := reps[0]
	for i, r := range reps[1:] {
		if r.Module != first.Module {
			return nil, fmt.Errorf("%w: %s is of module %q but %s is of %q: merge only the shards of one module", ErrModuleMismatch, names[i+1], r.Module, names[0], first.Module)
		}
	}
	out := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          first.Tool,
		Module:        first.Module,
		GoVersion:     first.GoVersion,
		Started:       first.Started,
		Checks:        []Check{},
	}
	pats := map[string]bool{}
	var end time.Time
	for _, r := range reps {
		if r.Started.Before(out.Started) {
			out.Started = r.Started
		}
		if e := r.Started.Add(time.Duration(r.DurationMS) * time.Millisecond); e.After(end) {
			end = e
		}
		for _, p := range r.Patterns {
			if !pats[p] {
				pats[p] = true
				out.Patterns = append(out.Patterns, p)
			}
		}
		for _, c := range r.Checks {
			mergeCheck(out, c)
		}
		out.Races = mergeRaces(out.Races, r.Races)
		out.Benchmarks = mergeBenchmarks(out.Benchmarks, r.Benchmarks)
		out.Profiles = appendUnique(out.Profiles, r.Profiles, func(p ProfileTop) string { return p.Package + "\x00" + p.Kind + "\x00" + p.Path })
		out.Escapes = appendUnique(out.Escapes, r.Escapes, func(e Escape) string {
			return e.File + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ":" + e.Code + ":" + e.Message
		})
		out.Labs = appendUnique(out.Labs, r.Labs, func(l Lab) string { return l.ID })
		out.Packages = appendUnique(out.Packages, r.Packages, func(p Package) string { return p.Path })
		out.Artifacts = appendUnique(out.Artifacts, r.Artifacts, func(a Artifact) string { return a.Kind + "\x00" + a.Path })
	}
	if !end.IsZero() {
		out.DurationMS = end.Sub(out.Started).Milliseconds()
	}
	for i := range out.Checks {
		SortFindings(out.Checks[i].Findings)
	}
	out.Baseline = mergeBaselines(out, reps)
	Score(out, first.Weights())
	return out, nil
}

// mergeCoverage joins a check's coverage of two shards (disjoint packages).
func mergeCoverage(a, b *Coverage) *Coverage {
	if a == nil || b == nil {
		if a == nil {
			return b
		}
		return a
	}
	out := &Coverage{Measured: a.Measured + b.Measured, Selected: a.Selected + b.Selected}
	out.NotMeasured = appendUnique(append([]NotMeasured(nil), a.NotMeasured...), b.NotMeasured, func(n NotMeasured) string { return n.Package })
	return out
}

// mergeBaselines joins the baseline comparisons of shards compared with the
// same baseline. A shard sees the baseline findings of the other shards'
// packages as gone, so a finding is fixed only when every shard lists it as
// fixed. New and unchanged are counted on the merged findings. Reports
// compared with different baselines (or none) give no baseline.
func mergeBaselines(out *Report, reps []*Report) *BaselineInfo {
	first := reps[0].Baseline
	if first == nil {
		return nil
	}
	count := map[findingID]int{}
	for _, r := range reps {
		if r.Baseline == nil || r.Baseline.Path != first.Path {
			return nil
		}
		seen := map[findingID]bool{}
		for _, f := range r.Baseline.Fixed {
			if k := findingKey(f); !seen[k] {
				seen[k] = true
				count[k]++
			}
		}
	}
	info := &BaselineInfo{Path: first.Path, Score: first.Score}
	for _, f := range first.Fixed {
		if count[findingKey(f)] == len(reps) {
			info.Fixed = append(info.Fixed, f)
		}
	}
	for _, f := range out.Findings() {
		switch f.Baseline {
		case BaselineNew:
			info.New++
		case BaselineUnchanged:
			info.Unchanged++
		}
	}
	return info
}

// findingID is what makes two findings the same finding in a merge.
type findingID struct {
	check, rule, file string
	line, col         int
	message           string
}

func findingKey(f Finding) findingID {
	return findingID{f.Check, f.Rule, f.File, f.Line, f.Col, f.Message}
}

// statusRank orders check statuses for a merge: an error anywhere wins, then
// a failure, then a pass; skipped only when every shard skipped.
func statusRank(s Status) int {
	switch s {
	case StatusError:
		return 3
	case StatusFail:
		return 2
	case StatusPass:
		return 1
	}
	return 0
}

func mergeCheck(out *Report, c Check) {
	old := out.Check(c.ID)
	if old == nil {
		c.Findings = append([]Finding{}, c.Findings...)
		c.Measures = append([]string(nil), c.Measures...)
		out.Checks = append(out.Checks, c)
		return
	}
	if statusRank(c.Status) > statusRank(old.Status) {
		old.Status = c.Status
		old.Summary = c.Summary
		old.Measures = c.Measures
	} else if c.Status == old.Status && c.Summary != old.Summary && !strings.Contains(old.Summary, c.Summary) {
		old.Summary += "; " + c.Summary
	}
	if c.DurationMS > old.DurationMS {
		old.DurationMS = c.DurationMS
	}
	old.Coverage = mergeCoverage(old.Coverage, c.Coverage)
	if old.URL == "" {
		old.URL = c.URL
	}
	seen := map[findingID]bool{}
	for _, f := range old.Findings {
		seen[findingKey(f)] = true
	}
	for _, f := range c.Findings {
		if k := findingKey(f); !seen[k] {
			seen[k] = true
			old.Findings = append(old.Findings, f)
		}
	}
}

func raceKey(r Race) string {
	var b strings.Builder
	b.WriteString(r.Package)
	for _, a := range r.Accesses {
		if a.Location != nil {
			writeStrings(&b, "\x00", a.Location.File, ":", strconv.Itoa(a.Location.Line), ":", a.Kind)
		} else {
			writeStrings(&b, "\x00?:", a.Kind)
		}
	}
	return b.String()
}

func mergeRaces(dst, src []Race) []Race {
	idx := map[string]int{}
	for i, r := range dst {
		idx[raceKey(r)] = i
	}
	for _, r := range src {
		if i, ok := idx[raceKey(r)]; ok {
			dst[i].Count += r.Count
			continue
		}
		idx[raceKey(r)] = len(dst)
		dst = append(dst, r)
	}
	return dst
}

// mergeBenchmarks joins benchmark results; the same benchmark in two reports
// pools its samples (repeated runs on several runners).
func mergeBenchmarks(dst, src []Benchmark) []Benchmark {
	idx := map[string]int{}
	for i, b := range dst {
		idx[b.Package+"\x00"+b.Name] = i
	}
	for _, b := range src {
		k := b.Package + "\x00" + b.Name
		i, ok := idx[k]
		if !ok {
			idx[k] = len(dst)
			b.Samples = append([]BenchRun(nil), b.Samples...)
			dst = append(dst, b)
			continue
		}
		d := &dst[i]
		n := float64(d.Runs + b.Runs)
		if n > 0 {
			d.NsPerOp = (d.NsPerOp*float64(d.Runs) + b.NsPerOp*float64(b.Runs)) / n
			d.BytesPerOp = (d.BytesPerOp*float64(d.Runs) + b.BytesPerOp*float64(b.Runs)) / n
			d.AllocsPerOp = (d.AllocsPerOp*float64(d.Runs) + b.AllocsPerOp*float64(b.Runs)) / n
		}
		d.Runs += b.Runs
		d.Samples = append(d.Samples, b.Samples...)
	}
	sort.SliceStable(dst, func(i, j int) bool {
		if dst[i].Package != dst[j].Package {
			return dst[i].Package < dst[j].Package
		}
		return dst[i].Name < dst[j].Name
	})
	return dst
}

func appendUnique[T any](dst, src []T, key func(T) string) []T {
	seen := map[string]bool{}
	for _, v := range dst {
		seen[key(v)] = true
	}
	for _, v := range src {
		if k := key(v); !seen[k] {
			seen[k] = true
			dst = append(dst, v)
		}
	}
	return dst
}
