package reports

import (
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/gocap/gocap/internal/termtext"
)

// TerminalOptions control the terminal renderer.
type TerminalOptions struct {
	Color bool // colours and bold; false for NO_COLOR or a pipe
	Width int  // 80 when zero
	// MaxFindings caps the findings listed per check (0: 20).
	MaxFindings int
}

// Styles is the one set of styles the terminal renderer uses; Plain has none.
type Styles struct {
	Title, Dim, Bold, Good, Warn, Bad, Rule lipgloss.Style
}

// NewStyles builds adaptive light/dark styles, or plain ones when color is false.
func NewStyles(color bool) Styles {
	r := lipgloss.NewRenderer(io.Discard)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	ns := r.NewStyle
	return Styles{
		Title: ns().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#1F4E9A", Dark: "#7AB8FF"}),
		Dim:   ns().Foreground(lipgloss.AdaptiveColor{Light: "#666666", Dark: "#9A9A9A"}),
		Bold:  ns().Bold(true),
		Good:  ns().Foreground(lipgloss.AdaptiveColor{Light: "#17803D", Dark: "#5FD38D"}),
		Warn:  ns().Foreground(lipgloss.AdaptiveColor{Light: "#A36200", Dark: "#F2C14E"}),
		Bad:   ns().Foreground(lipgloss.AdaptiveColor{Light: "#B3261E", Dark: "#FF6B6B"}),
		Rule:  ns().Foreground(lipgloss.AdaptiveColor{Light: "#BBBBBB", Dark: "#444444"}),
	}
}

func (s Styles) score(v *float64) string {
	if v == nil {
		return s.Dim.Render("  n/a")
	}
	txt := padLeft(fixed1(*v), 5)
	switch {
	case *v > 80:
		return s.Good.Render(txt)
	case *v > 60:
		return s.Warn.Render(txt)
	}
	return s.Bad.Render(txt)
}

func (s Styles) sev(v Severity) string {
	switch v {
	case SevError:
		return s.Bad.Render("error  ")
	case SevWarning:
		return s.Warn.Render("warning")
	}
	return s.Dim.Render("info   ")
}

func (s Styles) status(v Status) string {
	switch v {
	case StatusPass:
		return s.Good.Render("PASS")
	case StatusFail:
		return s.Bad.Render("FAIL")
	case StatusError:
		return s.Bad.Render("ERR ")
	}
	return s.Dim.Render("SKIP")
}

func bar(v *float64, width int) string {
	if v == nil {
		return strings.Repeat("·", width)
	}
	n := int(*v / 100 * float64(width))
	return strings.Repeat("█", n) + strings.Repeat("░", width-n)
}

// RenderTerminal writes the report for a person at a terminal, in the order
// they act on it: the verdict (grade, score, how much was measured) and the
// blockers that cap the grade; "fix first", the FixFirstCount findings that
// cost the most points, production code before tests; the dimensions; then
// every check's findings, checks with errors before those with only notes;
// labs, races, benchmarks and hot escapes last.
func RenderTerminal(w io.Writer, r *Report, o TerminalOptions) error {
	st := NewStyles(o.Color)
	width := o.Width
	if width <= 0 {
		width = 80
	}
	maxF := o.MaxFindings
	if maxF <= 0 {
		maxF = 20
	}
	var b strings.Builder
	rule := st.Rule.Render(strings.Repeat("─", width))
	writeStrings(&b, st.Title.Render("gocap"), " ", st.Dim.Render(r.Tool.Version), "  ",
		st.Bold.Render(r.Module), " ", st.Dim.Render("("+seconds(r.DurationMS)+"s)"), "\n")
	verdict := "Grade " + st.Bold.Render(r.Grade) + "  Score " + strings.TrimSpace(st.score(r.Score))
	if r.Coverage != nil {
		verdict += st.Dim.Render("  measured " + strconv.Itoa(int(*r.Coverage*100+0.5)) + "% of the module")
	}
	if n := len(r.Blockers); n > 0 {
		verb := " caps"
		if n > 1 {
			verb = " cap"
		}
		verdict += "  " + st.Bad.Render(plural(n, "blocker")+verb+" the grade at "+worstCap(r.Blockers))
	}
	writeStrings(&b, verdict, "\n")
	if bl := r.Baseline; bl != nil {
		writeStrings(&b, "Baseline ", bl.Path, " (score ", scoreText(bl.Score), "): ", st.Bold.Render(strconv.Itoa(bl.New)+" new"), ", ",
			strconv.Itoa(len(bl.Fixed)), " fixed, ", strconv.Itoa(bl.Unchanged), " unchanged\n")
	}
	if len(r.Blockers) > 0 {
		writeStrings(&b, rule, "\n", st.Bold.Render("Blockers"), st.Dim.Render(" (fix these before anything else)"), "\n")
		for i, bk := range r.Blockers {
			if i == maxBlockers {
				writeStrings(&b, "  ", st.Dim.Render("… "+strconv.Itoa(len(r.Blockers)-i)+" more blockers (see --format html or json)"), "\n")
				break
			}
			loc := location(Finding{File: bk.File, Line: bk.Line})
			prefix := "  " + st.Bad.Render("✗ "+padRight(string(bk.Kind), 5)) + " " + st.Dim.Render("caps at "+padRight(bk.Cap, 2)) + " " + loc + " " + st.Dim.Render("["+bk.Check+"/"+bk.Rule+"]") + " "
			writeStrings(&b, termtext.Wrap(width, prefix, firstLine(bk.Message), 4), "\n")
		}
	}
	if fix := FixFirst(r, FixFirstCount); len(fix) > 0 {
		writeStrings(&b, rule, "\n", st.Bold.Render("Fix first"), st.Dim.Render(" (the findings that cost the most points; production code before tests)"), "\n")
		hinted := map[string]bool{}
		for _, f := range fix {
			prefix := "  " + st.Bad.Render(padLeft(fixed1(FindingCost(f)), 4)) + st.Dim.Render(" pts ") + st.sev(f.Severity) + " " + location(f) + " " + st.Dim.Render("["+f.Check+"/"+f.Rule+"]") + " "
			writeStrings(&b, termtext.Wrap(width, prefix, firstLine(f.Message), 22), "\n")
			if key := f.Check + "/" + f.Rule; f.Hint != "" && !hinted[key] {
				hinted[key] = true
				writeStrings(&b, termtext.Wrap(width, strings.Repeat(" ", 22), st.Dim.Render("↳ "+firstLine(f.Hint)), 24), "\n")
			}
		}
	}
	writeStrings(&b, rule, "\n")

	barW := 20
	if width < 70 {
		barW = 10
	}
	for _, d := range r.Dimensions {
		prefix := padRight(d.Name, 18) + " " + st.score(d.Score) + " " + st.Dim.Render(bar(d.Score, barW)) + "  "
		writeStrings(&b, termtext.Line(width, prefix, st.Dim.Render(d.Summary)), "\n")
		for i, dd := range d.Deductions {
			if i == 3 {
				writeStrings(&b, st.Dim.Render("    … "+strconv.Itoa(len(d.Deductions)-3)+" more rules"), "\n")
				break
			}
			prefix := "    " + st.Bad.Render("-"+fixed1(dd.Points)) + " " + dd.Rule + " ×" + strconv.Itoa(dd.Findings) + "  "
			writeStrings(&b, prefix, st.Dim.Render(truncate(dd.Hint, width-termtext.Width(prefix))), "\n")
		}
	}
	if len(r.Dimensions) > 0 {
		writeStrings(&b, rule, "\n")
	}
	for _, c := range ChecksByUrgency(r) {
		prefix := st.status(c.Status) + " " + padRight(c.ID, 10) + " " + st.Dim.Render(padLeft(seconds(c.DurationMS), 6)+"s") + " "
		writeStrings(&b, termtext.Wrap(width, prefix, c.Summary, 5), "\n")
		fs := append([]Finding(nil), c.Findings...)
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity.Rank() > fs[j].Severity.Rank() })
		// A rule's hint (why it matters, how to fix) is shown in full once,
		// under its first finding, rather than cut short under every one.
		hinted := map[string]bool{}
		for i, f := range fs {
			if i == maxF {
				writeStrings(&b, "     ", st.Dim.Render("… "+strconv.Itoa(len(fs)-maxF)+" more findings (see --format html or json)"), "\n")
				break
			}
			mark := ""
			if f.Baseline == BaselineNew {
				mark = st.Warn.Render("new ")
			}
			prefix := "     " + st.sev(f.Severity) + " " + mark + location(f) + " " + st.Dim.Render("["+f.Rule+"]") + " "
			writeStrings(&b, termtext.Wrap(width, prefix, firstLine(f.Message), 13), "\n")
			if f.Hint != "" && !hinted[f.Rule] {
				hinted[f.Rule] = true
				writeStrings(&b, termtext.Wrap(width, "             ", st.Dim.Render("↳ "+firstLine(f.Hint)), 15), "\n")
			}
		}
	}
	for _, l := range r.Labs {
		prefix := st.status(l.Status) + " lab " + padRight(l.ID, 6) + " " + st.Dim.Render(padLeft(seconds(l.DurationMS), 6)+"s") + " "
		writeStrings(&b, termtext.Wrap(width, prefix, l.Summary, 5), "\n")
		// Step names in a column of their own: a name never runs into
		// its result.
		nameW := 0
		for _, s := range l.Steps {
			nameW = max(nameW, termtext.Width(s.Name))
		}
		nameW = min(nameW, 24)
		for _, s := range l.Steps {
			text := s.Summary
			if s.Reason != "" {
				text += st.Dim.Render(" (" + s.Reason + ")")
			}
			prefix := "     " + st.status(s.Status) + " " + st.Bold.Render(padRight(s.Name, nameW)) + "  "
			indent := 5 + 4 + 1 + nameW + 2
			if termtext.Width(s.Name) > nameW {
				writeStrings(&b, "     ", st.status(s.Status), " ", st.Bold.Render(s.Name), "\n")
				prefix = strings.Repeat(" ", indent)
			}
			writeStrings(&b, termtext.Wrap(width, prefix, text, indent), "\n")
			if len(s.Metrics) > 0 {
				ms := make([]string, len(s.Metrics))
				for i, m := range s.Metrics {
					ms[i] = FormatMetric(m)
				}
				writeStrings(&b, termtext.Wrap(width, strings.Repeat(" ", indent), st.Dim.Render(strings.Join(ms, " · ")), indent), "\n")
			}
		}
	}
	if len(r.Races) > 0 {
		writeStrings(&b, rule, "\n", st.Bold.Render("Data races"), "\n")
		for _, rc := range r.Races {
			writeStrings(&b, "  ", rc.Package, " ", st.Dim.Render(rc.Test), " (×", strconv.Itoa(rc.Count), ")\n")
			for _, a := range rc.Accesses {
				prefix := "    " + padRight(a.Kind, 14) + " goroutine " + padRight(strconv.Itoa(a.Goroutine), 3) + " "
				writeStrings(&b, termtext.Wrap(width, prefix, frameText(a.Location), 8), "\n")
			}
		}
	}
	if len(r.Benchmarks) > 0 {
		writeStrings(&b, rule, "\n", st.Bold.Render("Benchmarks"), "\n")
		writeBenchTable(&b, r.Benchmarks, width, st)
	}
	hot := 0
	for _, e := range r.Escapes {
		if e.Hot {
			hot++
		}
	}
	if hot > 0 {
		writeStrings(&b, rule, "\n", st.Bold.Render("Hot escapes (escapes in functions that show up in profiles)"), "\n")
		var es []Escape // returned escapes carry heat too but are not hot
		for _, e := range r.Escapes {
			if e.Hot {
				es = append(es, e)
			}
		}
		sort.SliceStable(es, func(i, j int) bool { return es[i].Heat > es[j].Heat })
		for i, e := range es {
			if i >= 10 {
				break
			}
			prefix := "  " + padLeft(fixed1(e.Heat*100), 5) + "% " + e.File + ":" + strconv.Itoa(e.Line) + " " + e.Function + " "
			writeStrings(&b, termtext.Line(width, prefix, st.Dim.Render(e.Message)), "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// maxBlockers is how many blockers the terminal lists: a package whose
// vet step fails can bring a dozen.
const maxBlockers = 8

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// worstCap is the lowest grade cap among the blockers (F before C).
func worstCap(bs []Blocker) string {
	c := ""
	for _, b := range bs {
		if c == "" || b.Cap > c { // letters: F > C
			c = b.Cap
		}
	}
	return c
}

// BenchRow is one benchmark's cells as the human formats show them.
type BenchRow struct {
	Name                string
	Time, Bytes, Allocs string
	Metrics             string
}

// BenchRows formats benchmarks for a table: names qualified by their
// package's last element when they come from several packages (so two
// BenchmarkParse rows differ), times and sizes in readable units, "–" for a
// number the benchmark did not report (a benchmark that reports only its own
// metrics has no ns/op), its own metrics last.
func BenchRows(bs []Benchmark) []BenchRow {
	pkgs := map[string]bool{}
	for _, bm := range bs {
		pkgs[bm.Package] = true
	}
	rows := make([]BenchRow, len(bs))
	for i, bm := range bs {
		name := bm.Name
		if len(pkgs) > 1 {
			p := bm.Package
			if j := strings.LastIndexByte(p, '/'); j >= 0 {
				p = p[j+1:]
			}
			name = p + "." + name
		}
		row := BenchRow{Name: name, Time: "–", Bytes: "–", Allocs: "–"}
		reported := bm.NsPerOp != 0 || len(bm.Metrics) == 0
		if reported {
			row.Time = FormatValue(bm.NsPerOp, "ns") + "/op"
			row.Bytes = FormatValue(bm.BytesPerOp, "B") + "/op"
			allocs := FormatValue(bm.AllocsPerOp, "")
			if bm.AllocsPerOp >= 1e4 {
				allocs = siValue(bm.AllocsPerOp)
			}
			row.Allocs = allocs + " allocs/op"
		}
		ms := make([]string, len(bm.Metrics))
		for j, m := range bm.Metrics {
			ms[j] = FormatValue(m.Value, m.Unit)
			if !strings.Contains(ms[j], m.Unit) {
				ms[j] += " " + m.Unit
			}
		}
		row.Metrics = strings.Join(ms, "  ")
		rows[i] = row
	}
	return rows
}

// writeBenchTable aligns every column to its widest cell; a name too long
// for the terminal is cut in the middle (the start and the distinguishing
// end stay: BenchmarkEncode/size=…/parallel).
func writeBenchTable(b *strings.Builder, bs []Benchmark, width int, st Styles) {
	rows := BenchRows(bs)
	var nw, tw, bw, aw, mw int
	for _, r := range rows {
		nw = max(nw, termtext.Width(r.Name))
		tw = max(tw, termtext.Width(r.Time))
		bw = max(bw, termtext.Width(r.Bytes))
		aw = max(aw, termtext.Width(r.Allocs))
		if r.Metrics != "" {
			mw = max(mw, termtext.Width(r.Metrics)+2)
		}
	}
	nw = min(nw, max(width-2-tw-bw-aw-6-mw, 16))
	for _, r := range rows {
		line := "  " + padRight(cutMiddle(r.Name, nw), nw) + "  " + padLeft(r.Time, tw) + "  " + padLeft(r.Bytes, bw) + "  " + padLeft(r.Allocs, aw)
		if r.Metrics != "" {
			line += "  " + r.Metrics
		}
		writeStrings(b, termtext.Truncate(line, width), "\n")
	}
}

// cutMiddle shortens s to n runes by replacing its middle with "…".
func cutMiddle(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n || n < 5 {
		return s
	}
	head := (n - 1) / 2
	tail := n - 1 - head
	return string(rs[:head]) + "…" + string(rs[len(rs)-tail:])
}

// truncate keeps the first line of s, cut to n cells (at least 10).
func truncate(s string, n int) string { return termtext.Truncate(s, max(n, 10)) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func fmtNum(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
