package reports

import (
	"io"
	"sort"
	"strconv"
	"strings"
)

func init() { RegisterFormat("md", "md", RenderMarkdown) }

// MarkdownMaxFindings caps the findings listed in Markdown (PR comments have
// a size limit of 65536 characters).
const MarkdownMaxFindings = 50

// mdCell escapes text for a GitHub-flavoured Markdown table cell.
func mdCell(s string) string {
	return mdEscaper.Replace(truncate(s, 200))
}

// mdEscaper is built once: a Replacer is safe for concurrent use.
var mdEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "`", "'")

func scoreText(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fixed1(*v)
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
	writeStrings(&b, "## gocap: ", mdCell(r.Module), " — score ", scoreText(r.Score), ", grade ", r.Grade, "\n\n")
	writeStrings(&b, "<sub>", r.Tool.Name, " ", mdCell(r.Tool.Version), " · ", r.Started.UTC().Format("2006-01-02 15:04 UTC"), " · ", seconds(r.DurationMS), "s")
	if r.Shard != "" {
		writeStrings(&b, " · shard ", r.Shard)
	}
	b.WriteString("</sub>\n\n")
	if bl := r.Baseline; bl != nil {
		writeStrings(&b, "**Against baseline** `", mdCell(bl.Path), "` (score ", scoreText(bl.Score), "): **", strconv.Itoa(bl.New), " new**, ",
			strconv.Itoa(len(bl.Fixed)), " fixed, ", strconv.Itoa(bl.Unchanged), " unchanged findings.\n\n")
	}
	if len(r.Blockers) > 0 {
		writeStrings(&b, "### ⛔ Blockers (the grade is capped at ", worstCap(r.Blockers), ")\n\n")
		for _, bk := range r.Blockers {
			writeStrings(&b, "- **", string(bk.Kind), "** (caps at ", bk.Cap, ") `", mdCell(location(Finding{File: bk.File, Line: bk.Line})), "` ",
				mdCell(bk.Check+"/"+bk.Rule), ": ", mdCell(bk.Message), "\n")
		}
		b.WriteString("\n")
	}
	if fix := FixFirst(r, FixFirstCount); len(fix) > 0 {
		b.WriteString("### Fix first\n\nThe findings that cost the most points, production code before tests.\n\n| Points | Severity | Location | Rule | Message |\n|---:|---|---|---|---|\n")
		for _, f := range fix {
			writeStrings(&b, "| ", fixed1(FindingCost(f)), " | ", sevIcon(f.Severity), " | `", mdCell(location(f)), "` | ", mdCell(f.Check+"/"+f.Rule), " | ", mdCell(f.Message), " |\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("| Dimension | Score | Weight | Summary |\n|---|---:|---:|---|\n")
	for _, d := range r.Dimensions {
		writeStrings(&b, "| ", mdCell(d.Name), " | ", scoreText(d.Score), " | ", strconv.FormatFloat(d.Weight, 'g', -1, 64), " | ", mdCell(d.Summary), " |\n")
	}
	b.WriteString("\n| Check | Status | Findings | Summary |\n|---|---|---:|---|\n")
	for _, c := range r.Checks {
		writeStrings(&b, "| ", mdCell(c.ID), " | ", statusIcon(c.Status), " | ", strconv.Itoa(len(c.Findings)), " | ", mdCell(c.Summary), " |\n")
	}
	for _, l := range r.Labs {
		writeStrings(&b, "| lab ", mdCell(l.ID), " | ", statusIcon(l.Status), " | ", strconv.Itoa(len(l.Steps)), " steps | ", mdCell(l.Summary), " |\n")
	}
	fs := r.Findings()
	sortBySeverity(fs)
	if len(fs) > 0 {
		writeStrings(&b, "\n<details open><summary><b>", strconv.Itoa(len(fs)), " findings</b></summary>\n\n")
		b.WriteString("| Severity | Location | Rule | Message | Hint |\n|---|---|---|---|---|\n")
		for i, f := range fs {
			if i == MarkdownMaxFindings {
				writeStrings(&b, "\n… ", strconv.Itoa(len(fs)-i), " more findings: see the full report (--format html or json).\n")
				break
			}
			msg := mdCell(f.Message)
			if f.Baseline == BaselineNew {
				msg = "🆕 " + msg
			}
			writeStrings(&b, "| ", sevIcon(f.Severity), " | `", mdCell(location(f)), "` | ", mdCell(f.Check+"/"+f.Rule), " | ", msg, " | ", mdCell(f.Hint), " |\n")
		}
		b.WriteString("\n</details>\n")
	}
	if bl := r.Baseline; bl != nil && len(bl.Fixed) > 0 {
		writeStrings(&b, "\n<details><summary><b>", strconv.Itoa(len(bl.Fixed)), " fixed since the baseline</b></summary>\n\n")
		for i, f := range bl.Fixed {
			if i == MarkdownMaxFindings {
				writeStrings(&b, "- … ", strconv.Itoa(len(bl.Fixed)-i), " more\n")
				break
			}
			writeStrings(&b, "- `", mdCell(location(f)), "` ", mdCell(f.Check+"/"+f.Rule), ": ", mdCell(f.Message), "\n")
		}
		b.WriteString("\n</details>\n")
	}
	if len(r.Races) > 0 {
		writeStrings(&b, "\n### Data races (", strconv.Itoa(len(r.Races)), ")\n\n")
		for _, rc := range r.Races {
			writeStrings(&b, "- `", mdCell(rc.Package), "` ", mdCell(rc.Test), " ×", strconv.Itoa(rc.Count), ":")
			for _, a := range rc.Accesses {
				writeStrings(&b, " ", mdCell(a.Kind), " by goroutine ", strconv.Itoa(a.Goroutine), " at `", mdCell(frameText(a.Location)), "`;")
			}
			b.WriteString("\n")
		}
	}
	if len(r.Benchmarks) > 0 {
		b.WriteString("\n### Benchmarks\n\n| Benchmark | time | memory | allocations | own metrics | runs |\n|---|---:|---:|---:|---:|---:|\n")
		for i, row := range BenchRows(r.Benchmarks) {
			writeStrings(&b, "| ", mdCell(row.Name), " | ", row.Time, " | ", row.Bytes, " | ", row.Allocs, " | ", mdCell(row.Metrics), " | ", strconv.Itoa(r.Benchmarks[i].Runs), " |\n")
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
		return f.File + ":" + strconv.Itoa(f.Line)
	}
	return f.File + ":" + strconv.Itoa(f.Line) + ":" + strconv.Itoa(f.Col)
}

func frameText(f *Frame) string {
	if f == nil {
		return "?"
	}
	return f.File + ":" + strconv.Itoa(f.Line) + " " + f.Func
}

// sortBySeverity orders findings most severe first, keeping file order within.
func sortBySeverity(fs []Finding) {
	SortFindings(fs)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity.Rank() > fs[j].Severity.Rank() })
}
