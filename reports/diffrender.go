package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/gocap/gocap/internal/termtext"
)

// DiffFormats are the formats RenderDiff writes.
var DiffFormats = []string{"terminal", "md", "json"}

// RenderDiff writes a report diff as text for a terminal, Markdown (a PR
// comment) or JSON.
func RenderDiff(w io.Writer, d *DiffResult, format string, o RenderOptions) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	case "md":
		return renderDiffMarkdown(w, d)
	case "terminal":
		return renderDiffTerminal(w, d, o)
	}
	return fmt.Errorf("unknown diff format %q: use one of %s", format, strings.Join(DiffFormats, ", "))
}

func deltaText(b BenchDelta) string {
	if !b.Significant {
		return "~"
	}
	return fmtPct(b.DeltaPct)
}

func scoreDelta(a, b *float64) string {
	if a == nil || b == nil {
		return fmt.Sprintf("%s → %s", scoreText(a), scoreText(b))
	}
	return fmt.Sprintf("%s → %s (%+.1f)", scoreText(a), scoreText(b), *b-*a)
}

func renderDiffTerminal(w io.Writer, d *DiffResult, o RenderOptions) error {
	st := NewStyles(o.Color)
	width := o.Width
	if width <= 0 {
		width = 80
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s → %s\n", st.Title.Render("gocap diff"), d.Old, d.New)
	fmt.Fprintf(&b, "Score %s\n", scoreDelta(d.OldScore, d.NewScore))
	if len(d.Benchmarks) > 0 {
		fmt.Fprintf(&b, "\n%s (Mann–Whitney U, alpha %g; ~ = no significant change)\n", st.Bold.Render("Benchmarks"), d.Options.Alpha)
		// One heading line per benchmark, its metrics below: a full name
		// and the numbers do not fit one line of 80 columns.
		fmt.Fprintf(&b, "    %-10s %10s %10s %9s  %s\n", "metric", "old", "new", "delta", "p")
		last := ""
		for _, bd := range d.Benchmarks {
			if name := bd.Package + "." + bd.Name; name != last {
				fmt.Fprintf(&b, "  %s\n", name)
				last = name
			}
			delta := deltaText(bd)
			switch {
			case bd.Over:
				delta = st.Bad.Render(fmt.Sprintf("%9s", delta))
			case bd.Significant && bd.DeltaPct < 0:
				delta = st.Good.Render(fmt.Sprintf("%9s", delta))
			default:
				delta = fmt.Sprintf("%9s", delta)
			}
			row := fmt.Sprintf("    %-10s %10s %10s %s  p=%.3f n=%d+%d", bd.Metric, fmtNum(bd.Old), fmtNum(bd.New), delta, bd.P, bd.N1, bd.N2)
			if room := width - termtext.Width(row) - 1; bd.Note != "" && room >= 8 {
				row += " " + st.Dim.Render(termtext.Truncate(bd.Note, room)) // else the note is left out
			}
			fmt.Fprintln(&b, row)
		}
	}
	for _, n := range d.OnlyNew {
		fmt.Fprintf(&b, "  + %s (new benchmark)\n", n)
	}
	for _, n := range d.OnlyOld {
		fmt.Fprintf(&b, "  - %s (gone)\n", n)
	}
	if len(d.Grown) > 0 {
		fmt.Fprintf(&b, "\n%s\n", st.Bold.Render("Functions whose profile share grew"))
		for _, g := range d.Grown {
			fmt.Fprintln(&b, termtext.Line(width, fmt.Sprintf("  %-13s %5.1f%% → %5.1f%%  ", g.Kind, g.OldShare*100, g.NewShare*100), g.Func))
		}
	}
	fmt.Fprintf(&b, "\n%s: %d new, %d fixed\n", st.Bold.Render("Findings"), len(d.NewFindings), len(d.FixedFindings))
	for _, f := range d.NewFindings {
		fmt.Fprintln(&b, termtext.Line(width, fmt.Sprintf("  + %s %s [%s/%s] ", st.sev(f.Severity), location(f), f.Check, f.Rule), firstLine(f.Message)))
	}
	for _, f := range d.FixedFindings {
		fmt.Fprintln(&b, termtext.Line(width, fmt.Sprintf("  - %s %s [%s/%s] ", st.Dim.Render("fixed  "), location(f), f.Check, f.Rule), firstLine(f.Message)))
	}
	if len(d.Failures) > 0 {
		fmt.Fprintf(&b, "\n%s\n", st.Bad.Render("Regressions beyond the thresholds:"))
		for _, f := range d.Failures {
			fmt.Fprintf(&b, "  %s\n", f)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func renderDiffMarkdown(w io.Writer, d *DiffResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## gocap diff: score %s\n\n", scoreDelta(d.OldScore, d.NewScore))
	if len(d.Failures) > 0 {
		b.WriteString("**Regressions beyond the thresholds:**\n\n")
		for _, f := range d.Failures {
			fmt.Fprintf(&b, "- ❌ %s\n", mdCell(f))
		}
		b.WriteString("\n")
	}
	if len(d.Benchmarks) > 0 {
		fmt.Fprintf(&b, "| Benchmark | Metric | Old | New | Delta | p |\n|---|---|---:|---:|---:|---:|\n")
		for _, bd := range d.Benchmarks {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.3f (n=%d+%d) |\n", mdCell(bd.Package+"."+bd.Name), bd.Metric, fmtNum(bd.Old), fmtNum(bd.New), deltaText(bd), bd.P, bd.N1, bd.N2)
		}
		b.WriteString("\n")
	}
	if len(d.Grown) > 0 {
		b.WriteString("| Profile | Function | Old share | New share |\n|---|---|---:|---:|\n")
		for _, g := range d.Grown {
			fmt.Fprintf(&b, "| %s | `%s` | %.1f%% | %.1f%% |\n", g.Kind, mdCell(g.Func), g.OldShare*100, g.NewShare*100)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "**Findings:** %d new, %d fixed\n", len(d.NewFindings), len(d.FixedFindings))
	for _, f := range d.NewFindings {
		fmt.Fprintf(&b, "- 🆕 `%s` %s: %s\n", mdCell(location(f)), mdCell(f.Check+"/"+f.Rule), mdCell(f.Message))
	}
	for _, f := range d.FixedFindings {
		fmt.Fprintf(&b, "- ✅ fixed `%s` %s: %s\n", mdCell(location(f)), mdCell(f.Check+"/"+f.Rule), mdCell(f.Message))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
