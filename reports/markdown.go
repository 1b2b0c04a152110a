package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

func init() { RegisterFormat("md", "md", RenderMarkdown) }

// MarkdownMaxFindings caps the findings listed in Markdown (PR comments have
// a size limit of 65536 characters).
const MarkdownMaxFindings = 50

// mdCell escapes text for a GitHub-flavoured Markdown table cell.
func mdCell(s string) string {
	s = truncate(s, 200)
	r := strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "`", "'")
	return r.Replace(s)
}

func scoreText(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", *v)
}

func sevIcon(s Severity) string {
	switch s {
	case SevError:
		return "🔴 error"
	case SevWarning:
		return "🟠 warning"
	}
	return "🔵 info"
}

func statusIcon(s Status) string {
	switch s {
	case StatusPass:
		return "✅ pass"
	case StatusFail:
		return "❌ fail"
	case StatusError:
		return "⚠️ error"
	}
	return "⏭️ skipped"
}

// RenderMarkdown writes the report as GitHub-flavoured Markdown, for a pull
// request comment or $GITHUB_STEP_SUMMARY.
func RenderMarkdown(w io.Writer, r *Report, _ RenderOptions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## gocap: %s — score %s, grade %s\n\n", mdCell(r.Module), scoreText(r.Score), r.Grade)
	fmt.Fprintf(&b, "<sub>%s %s · %s · %.1fs", r.Tool.Name, mdCell(r.Tool.Version), r.Started.UTC().Format("2006-01-02 15:04 UTC"), float64(r.DurationMS)/1000)
	if r.Shard != "" {
		fmt.Fprintf(&b, " · shard %s", r.Shard)
	}
	b.WriteString("</sub>\n\n")
	if bl := r.Baseline; bl != nil {
		fmt.Fprintf(&b, "**Against baseline** `%s` (score %s): **%d new**, %d fixed, %d unchanged findings.\n\n",
			mdCell(bl.Path), scoreText(bl.Score), bl.New, len(bl.Fixed), bl.Unchanged)
	}
	b.WriteString("| Dimension | Score | Weight | Summary |\n|---|---:|---:|---|\n")
	for _, d := range r.Dimensions {
		fmt.Fprintf(&b, "| %s | %s | %g | %s |\n", mdCell(d.Name), scoreText(d.Score), d.Weight, mdCell(d.Summary))
	}
	b.WriteString("\n| Check | Status | Findings | Summary |\n|---|---|---:|---|\n")
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", mdCell(c.ID), statusIcon(c.Status), len(c.Findings), mdCell(c.Summary))
	}
	for _, l := range r.Labs {
		fmt.Fprintf(&b, "| lab %s | %s | %d steps | %s |\n", mdCell(l.ID), statusIcon(l.Status), len(l.Steps), mdCell(l.Summary))
	}
	fs := r.Findings()
	sortBySeverity(fs)
	if len(fs) > 0 {
		fmt.Fprintf(&b, "\n<details open><summary><b>%d findings</b></summary>\n\n", len(fs))
		b.WriteString("| Severity | Location | Rule | Message | Hint |\n|---|---|---|---|---|\n")
		for i, f := range fs {
			if i == MarkdownMaxFindings {
				fmt.Fprintf(&b, "\n… %d more findings: see the full report (--format html or json).\n", len(fs)-i)
				break
			}
			msg := mdCell(f.Message)
			if f.Baseline == BaselineNew {
				msg = "🆕 " + msg
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", sevIcon(f.Severity), mdCell(location(f)), mdCell(f.Check+"/"+f.Rule), msg, mdCell(f.Hint))
		}
		b.WriteString("\n</details>\n")
	}
	if bl := r.Baseline; bl != nil && len(bl.Fixed) > 0 {
		fmt.Fprintf(&b, "\n<details><summary><b>%d fixed since the baseline</b></summary>\n\n", len(bl.Fixed))
		for i, f := range bl.Fixed {
			if i == MarkdownMaxFindings {
				fmt.Fprintf(&b, "- … %d more\n", len(bl.Fixed)-i)
				break
			}
			fmt.Fprintf(&b, "- `%s` %s: %s\n", mdCell(location(f)), mdCell(f.Check+"/"+f.Rule), mdCell(f.Message))
		}
		b.WriteString("\n</details>\n")
	}
	if len(r.Races) > 0 {
		fmt.Fprintf(&b, "\n### Data races (%d)\n\n", len(r.Races))
		for _, rc := range r.Races {
			fmt.Fprintf(&b, "- `%s` %s ×%d:", mdCell(rc.Package), mdCell(rc.Test), rc.Count)
			for _, a := range rc.Accesses {
				fmt.Fprintf(&b, " %s by goroutine %d at `%s`;", mdCell(a.Kind), a.Goroutine, mdCell(frameText(a.Location)))
			}
			b.WriteString("\n")
		}
	}
	if len(r.Benchmarks) > 0 {
		b.WriteString("\n### Benchmarks\n\n| Benchmark | ns/op | B/op | allocs/op | runs |\n|---|---:|---:|---:|---:|\n")
		for _, bm := range r.Benchmarks {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %d |\n", mdCell(bm.Package+"."+bm.Name), fmtNum(bm.NsPerOp), fmtNum(bm.BytesPerOp), fmtNum(bm.AllocsPerOp), bm.Runs)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func location(f Finding) string {
	switch {
	case f.File == "":
		return "(module)"
	case f.Line == 0:
		return f.File
	case f.Col == 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Col)
}

func frameText(f *Frame) string {
	if f == nil {
		return "?"
	}
	return fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Func)
}

// sortBySeverity orders findings most severe first, keeping file order within.
func sortBySeverity(fs []Finding) {
	SortFindings(fs)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity.Rank() > fs[j].Severity.Rank() })
}
