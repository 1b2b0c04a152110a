package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// Baseline states of a finding (Finding.Baseline).
const (
	BaselineNew       = "new"
	BaselineUnchanged = "unchanged"
)

var (
	fpAddr   = regexp.MustCompile(`0x[0-9a-fA-F]+`)
	fpNumber = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)
	fpSpace  = regexp.MustCompile(`\s+`)
)

// volatileNotes are the parenthesised notes that legs end a message with to
// report a measurement or a count that moves between runs of the same code:
// how hot a line is and which benchmarks reach it, how often a race was
// reported. A baseline matches on what comes before them.
var volatileNotes = []string{" (hot", " (returned;", " (reported ", " (allocates ", " (seen "}

// NormalizeMessage strips what moves between runs without the finding
// changing: the volatile notes at its end (volatileNotes), hex addresses,
// numbers (goroutine numbers, line numbers, counts, percentages, durations,
// sizes) and runs of white space.
func NormalizeMessage(m string) string {
	if i := strings.IndexByte(m, '\n'); i >= 0 {
		m = m[:i]
	}
	for _, n := range volatileNotes {
		if i := strings.Index(m, n); i > 0 && strings.HasSuffix(m, ")") {
			m = m[:i]
		}
	}
	m = fpAddr.ReplaceAllString(m, "ADDR")
	m = fpNumber.ReplaceAllString(m, "N")
	return strings.TrimSpace(fpSpace.ReplaceAllString(m, " "))
}

// Fingerprint identifies a finding across runs: its check and rule, its
// file, its enclosing function and its normalised message — not its line,
// which moves when code above it changes. A renamed file gives a new
// fingerprint. The result is 16 hex digits.
func Fingerprint(f Finding) string {
	h := sha256.New()
	for _, s := range []string{f.Check, f.Rule, f.File, f.Function, NormalizeMessage(f.Message)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// CompareBaseline marks every finding of cur as new or unchanged against the
// findings of base, lists base's findings that are gone as fixed, and stores
// the result in cur.Baseline. Fingerprints are matched with multiplicity: two
// identical findings in cur match at most two in base. A baseline finding of
// a check that did not run in cur (skipped, errored, not selected) is not
// counted as fixed.
func CompareBaseline(cur, base *Report, basePath string) {
	left := map[string][]Finding{}
	for _, f := range base.Findings() {
		fp := Fingerprint(f)
		left[fp] = append(left[fp], f)
	}
	info := &BaselineInfo{Path: basePath, Score: base.Score}
	for ci := range cur.Checks {
		c := &cur.Checks[ci]
		for i := range c.Findings {
			f := &c.Findings[i]
			fp := Fingerprint(*f)
			if l := left[fp]; len(l) > 0 {
				left[fp] = l[1:]
				f.Baseline = BaselineUnchanged
				info.Unchanged++
			} else {
				f.Baseline = BaselineNew
				info.New++
			}
		}
	}
	ran := map[string]bool{}
	for _, c := range cur.Checks {
		ran[c.ID] = c.Status == StatusPass || c.Status == StatusFail
	}
	for _, l := range left {
		for _, f := range l {
			if !ran[f.Check] {
				continue // not checked this time: unknown, not fixed
			}
			f.Baseline = ""
			info.Fixed = append(info.Fixed, f)
		}
	}
	SortFindings(info.Fixed)
	cur.Baseline = info
}

// NewFindings returns the findings marked new by CompareBaseline.
func (r *Report) NewFindings() []Finding {
	var out []Finding
	for _, f := range r.Findings() {
		if f.Baseline == BaselineNew {
			out = append(out, f)
		}
	}
	return out
}
