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

// RenderTerminal writes the report for a person at a terminal.
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
	writeStrings(&b, "Score ", st.score(r.Score), "  Grade ", st.Bold.Render(r.Grade), "\n")
	if bl := r.Baseline; bl != nil {
		writeStrings(&b, "Baseline ", bl.Path, " (score ", scoreText(bl.Score), "): ", st.Bold.Render(strconv.Itoa(bl.New)+" new"), ", ",
			strconv.Itoa(len(bl.Fixed)), " fixed, ", strconv.Itoa(bl.Unchanged), " unchanged\n")
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
	writeStrings(&b, rule, "\n")
	for _, c := range r.Checks {
		prefix := st.status(c.Status) + " " + padRight(c.ID, 10) + " " + st.Dim.Render(padLeft(seconds(c.DurationMS), 6)+"s") + " "
		writeStrings(&b, termtext.Wrap(width, prefix, c.Summary, 5), "\n")
		fs := append([]Finding(nil), c.Findings...)
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity.Rank() > fs[j].Severity.Rank() })
		// A rule's hint (why it matters, how to fix) is shown in full once,
		// under its first finding, rather than cut short under every one.
		hinted := map[string]bool{}
		for i, f := range fs {
			if i == maxF {
				writeStrings(&b, "     ", st.Dim.Render("… "+strconv.Itoa(len(fs)-maxF)+" more findings (see --format json)"), "\n")
				break
			}
			loc := f.File
			if f.Line > 0 {
				loc += ":" + strconv.Itoa(f.Line)
				if f.Col > 0 {
					loc += ":" + strconv.Itoa(f.Col)
				}
			}
			mark := ""
			if f.Baseline == BaselineNew {
				mark = st.Warn.Render("new ")
			}
			prefix := "     " + st.sev(f.Severity) + " " + mark + loc + " " + st.Dim.Render("["+f.Rule+"]") + " "
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
		for _, s := range l.Steps {
			text := s.Name + " " + s.Summary
			if s.Reason != "" {
				text += st.Dim.Render(" (" + s.Reason + ")")
			}
			writeStrings(&b, termtext.Wrap(width, "     "+st.status(s.Status)+" ", text, 10), "\n")
			if len(s.Metrics) > 0 {
				var ms []string
				for _, m := range s.Metrics {
					ms = append(ms, m.Name+"="+fmtNum(m.Value)+m.Unit)
				}
				writeStrings(&b, termtext.Wrap(width, "          ", st.Dim.Render(strings.Join(ms, "  ")), 10), "\n")
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
		// The numbers take 52 cells; the name gets the rest, 20 to 40.
		nameW := min(max(width-54, 20), 40)
		for _, bm := range r.Benchmarks {
			writeStrings(&b, "  ", padRight(truncate(bm.Name, nameW), nameW), " ", padLeft(fmtNum(bm.NsPerOp), 10), " ns/op ",
				padLeft(fmtNum(bm.BytesPerOp), 8), " B/op ", padLeft(fmtNum(bm.AllocsPerOp), 6), " allocs/op\n")
		}
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
