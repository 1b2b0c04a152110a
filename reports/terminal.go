package reports

import (
	"fmt"
	"io"
	"sort"
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
	txt := fmt.Sprintf("%5.1f", *v)
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
	score := "n/a"
	if r.Score != nil {
		score = fmt.Sprintf("%.1f", *r.Score)
	}
	fmt.Fprintf(&b, "%s %s  %s %s\n", st.Title.Render("gocap"), st.Dim.Render(r.Tool.Version),
		st.Bold.Render(r.Module), st.Dim.Render(fmt.Sprintf("(%.1fs)", float64(r.DurationMS)/1000)))
	fmt.Fprintf(&b, "Score %s  Grade %s\n", st.score(r.Score), st.Bold.Render(r.Grade))
	if bl := r.Baseline; bl != nil {
		fmt.Fprintf(&b, "Baseline %s (score %s): %s, %d fixed, %d unchanged\n", bl.Path, scoreText(bl.Score),
			st.Bold.Render(fmt.Sprintf("%d new", bl.New)), len(bl.Fixed), bl.Unchanged)
	}
	fmt.Fprintln(&b, rule)
	_ = score

	barW := 20
	if width < 70 {
		barW = 10
	}
	for _, d := range r.Dimensions {
		prefix := fmt.Sprintf("%-18s %s %s  ", d.Name, st.score(d.Score), st.Dim.Render(bar(d.Score, barW)))
		fmt.Fprintln(&b, termtext.Line(width, prefix, st.Dim.Render(d.Summary)))
		for i, dd := range d.Deductions {
			if i == 3 {
				fmt.Fprintf(&b, "%s\n", st.Dim.Render(fmt.Sprintf("    … %d more rules", len(d.Deductions)-3)))
				break
			}
			prefix := fmt.Sprintf("    %s %s ×%d  ", st.Bad.Render(fmt.Sprintf("-%.1f", dd.Points)), dd.Rule, dd.Findings)
			fmt.Fprintf(&b, "%s%s\n", prefix, st.Dim.Render(truncate(dd.Hint, width-termtext.Width(prefix))))
		}
	}
	fmt.Fprintln(&b, rule)
	for _, c := range r.Checks {
		prefix := fmt.Sprintf("%s %-10s %s ", st.status(c.Status), c.ID, st.Dim.Render(fmt.Sprintf("%6.1fs", float64(c.DurationMS)/1000)))
		fmt.Fprintln(&b, termtext.Wrap(width, prefix, c.Summary, 5))
		fs := append([]Finding(nil), c.Findings...)
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity.Rank() > fs[j].Severity.Rank() })
		// A rule's hint (why it matters, how to fix) is shown in full once,
		// under its first finding, rather than cut short under every one.
		hinted := map[string]bool{}
		for i, f := range fs {
			if i == maxF {
				fmt.Fprintf(&b, "     %s\n", st.Dim.Render(fmt.Sprintf("… %d more findings (see --format json)", len(fs)-maxF)))
				break
			}
			loc := f.File
			if f.Line > 0 {
				loc = fmt.Sprintf("%s:%d", f.File, f.Line)
				if f.Col > 0 {
					loc += fmt.Sprintf(":%d", f.Col)
				}
			}
			mark := ""
			if f.Baseline == BaselineNew {
				mark = st.Warn.Render("new ")
			}
			prefix := fmt.Sprintf("     %s %s%s %s ", st.sev(f.Severity), mark, loc, st.Dim.Render("["+f.Rule+"]"))
			fmt.Fprintln(&b, termtext.Wrap(width, prefix, firstLine(f.Message), 13))
			if f.Hint != "" && !hinted[f.Rule] {
				hinted[f.Rule] = true
				fmt.Fprintln(&b, termtext.Wrap(width, "             ", st.Dim.Render("↳ "+firstLine(f.Hint)), 15))
			}
		}
	}
	for _, l := range r.Labs {
		prefix := fmt.Sprintf("%s lab %-6s %s ", st.status(l.Status), l.ID, st.Dim.Render(fmt.Sprintf("%6.1fs", float64(l.DurationMS)/1000)))
		fmt.Fprintln(&b, termtext.Wrap(width, prefix, l.Summary, 5))
		for _, s := range l.Steps {
			text := s.Name + " " + s.Summary
			if s.Reason != "" {
				text += st.Dim.Render(" (" + s.Reason + ")")
			}
			fmt.Fprintln(&b, termtext.Wrap(width, fmt.Sprintf("     %s ", st.status(s.Status)), text, 10))
			if len(s.Metrics) > 0 {
				var ms []string
				for _, m := range s.Metrics {
					ms = append(ms, fmt.Sprintf("%s=%s%s", m.Name, fmtNum(m.Value), m.Unit))
				}
				fmt.Fprintln(&b, termtext.Wrap(width, "          ", st.Dim.Render(strings.Join(ms, "  ")), 10))
			}
		}
	}
	if len(r.Races) > 0 {
		fmt.Fprintf(&b, "%s\n%s\n", rule, st.Bold.Render("Data races"))
		for _, rc := range r.Races {
			fmt.Fprintf(&b, "  %s %s (×%d)\n", rc.Package, st.Dim.Render(rc.Test), rc.Count)
			for _, a := range rc.Accesses {
				loc := "?"
				if a.Location != nil {
					loc = fmt.Sprintf("%s:%d %s", a.Location.File, a.Location.Line, a.Location.Func)
				}
				fmt.Fprintln(&b, termtext.Wrap(width, fmt.Sprintf("    %-14s goroutine %-3d ", a.Kind, a.Goroutine), loc, 8))
			}
		}
	}
	if len(r.Benchmarks) > 0 {
		fmt.Fprintf(&b, "%s\n%s\n", rule, st.Bold.Render("Benchmarks"))
		// The numbers take 52 cells; the name gets the rest, 20 to 40.
		nameW := min(max(width-54, 20), 40)
		for _, bm := range r.Benchmarks {
			fmt.Fprintf(&b, "  %-*s %10s ns/op %8s B/op %6s allocs/op\n", nameW, truncate(bm.Name, nameW), fmtNum(bm.NsPerOp), fmtNum(bm.BytesPerOp), fmtNum(bm.AllocsPerOp))
		}
	}
	hot := 0
	for _, e := range r.Escapes {
		if e.Hot {
			hot++
		}
	}
	if hot > 0 {
		fmt.Fprintf(&b, "%s\n%s\n", rule, st.Bold.Render("Hot escapes (escapes in functions that show up in profiles)"))
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
			fmt.Fprintln(&b, termtext.Line(width, fmt.Sprintf("  %5.1f%% %s:%d %s ", e.Heat*100, e.File, e.Line, e.Function), st.Dim.Render(e.Message)))
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
		return fmt.Sprintf("%d", int64(v))
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}
