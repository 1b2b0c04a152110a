package workshop

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate checks a grade document as serve receives it: the schema
// version, a participant name that is a safe file name, known exercise IDs
// (each once), known statuses, and criteria with names.
func Validate(r *Report) error {
	if r.SchemaVersion != SchemaVersion {
		return fmt.Errorf("schema_version %d: this gocap reads version %d (gocap workshop grade --json writes it)", r.SchemaVersion, SchemaVersion)
	}
	if err := ValidName(r.Participant); err != nil {
		return err
	}
	if len(r.Exercises) == 0 {
		return fmt.Errorf("no exercises in the report")
	}
	seen := map[string]bool{}
	for i, e := range r.Exercises {
		if _, ok := Find(e.ID); !ok {
			return fmt.Errorf("exercises[%d]: unknown exercise %q (gocap workshop list)", i, e.ID)
		}
		if seen[e.ID] {
			return fmt.Errorf("exercises[%d]: exercise %q appears twice", i, e.ID)
		}
		seen[e.ID] = true
		switch e.Status {
		case StatusPass, StatusFail, StatusSkipped:
		default:
			return fmt.Errorf("exercises[%d] (%s): status %q: want pass, fail or skipped", i, e.ID, e.Status)
		}
		for j, c := range e.Criteria {
			if strings.TrimSpace(c.Name) == "" {
				return fmt.Errorf("exercises[%d].criteria[%d]: a criterion needs a name", i, j)
			}
		}
		if e.TimeToGreenS != nil && (*e.TimeToGreenS < 0 || math.IsNaN(*e.TimeToGreenS) || math.IsInf(*e.TimeToGreenS, 0)) {
			return fmt.Errorf("exercises[%d] (%s): time_to_green_s must be a non-negative number", i, e.ID)
		}
	}
	return nil
}

// ValidName checks a participant name: 1–64 letters, digits, '.', '_' or
// '-', not starting with '.' (it names the stored report file).
func ValidName(n string) error {
	if n == "" {
		return fmt.Errorf("participant is empty: give --name NAME")
	}
	if len(n) > 64 || n[0] == '.' || strings.IndexFunc(n, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) >= 0 {
		return fmt.Errorf("participant %q: use 1–64 letters, digits, '.', '_' or '-', not starting with '.'", n)
	}
	return nil
}

// ReadReport reads and validates one grade document.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUsage, path, err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: %s is not a grade report (gocap workshop grade --json): %w", ErrUsage, path, err)
	}
	if err := Validate(&r); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUsage, path, err)
	}
	return &r, nil
}

// LoadReports reads the grade documents named: files, or folders whose
// *.json files are read. A later report of the same participant wins (by
// its graded time).
func LoadReports(paths []string) ([]*Report, error) {
	byName := map[string]*Report{}
	for _, p := range paths {
		files := []string{p}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			files, _ = filepath.Glob(filepath.Join(p, "*.json"))
		}
		for _, f := range files {
			r, err := ReadReport(f)
			if err != nil {
				return nil, err
			}
			if old := byName[r.Participant]; old == nil || r.Graded.After(old.Graded) {
				byName[r.Participant] = r
			}
		}
	}
	out := make([]*Report, 0, len(byName))
	for _, r := range byName {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Report) int { return cmp.Compare(a.Participant, b.Participant) })
	return out, nil
}

// Board is the room's view: participants × exercises.
type Board struct {
	Title     string
	Generated time.Time
	Exercises []BoardExercise
	Rows      []BoardRow
	Failing   []FailedCriterion // most often failed first
	Refresh   int               // seconds; 0: a static page
}

// BoardExercise is one column with its pass rate.
type BoardExercise struct {
	ID, Title  string
	Capability Capability
	Passed     int
	Tried      int // participants with a pass or fail
	Rate       float64
}

// BoardRow is one participant.
type BoardRow struct {
	Participant string
	Passed      int
	Cells       []BoardCell
}

// BoardCell is one participant's state on one exercise.
type BoardCell struct {
	Exercise string
	Status   Status
	Label    string // what the cell shows: minutes to green, ✗, –
	Detail   string // time to green, or the failing criteria
}

// FailedCriterion counts participants failing a criterion.
type FailedCriterion struct {
	Exercise, Criterion string
	Count               int
}

// NewBoard aggregates reports into a board.
func NewBoard(reps []*Report, now time.Time) *Board {
	b := &Board{Title: "gocap workshop", Generated: now.UTC()}
	col := map[string]int{}
	for i, e := range exercises {
		b.Exercises = append(b.Exercises, BoardExercise{ID: e.ID, Title: e.Title, Capability: e.Capability})
		col[e.ID] = i
	}
	fails := map[[2]string]int{}
	for _, r := range reps {
		row := BoardRow{Participant: r.Participant, Cells: make([]BoardCell, len(exercises))}
		for i, e := range exercises {
			row.Cells[i] = BoardCell{Exercise: e.ID, Status: StatusNotTried, Detail: "not tried"}
		}
		for _, e := range r.Exercises {
			i, ok := col[e.ID]
			if !ok {
				continue
			}
			cell := BoardCell{Exercise: e.ID, Status: e.Status}
			switch e.Status {
			case StatusPass:
				cell.Detail, cell.Label = "green", "✓"
				if e.TimeToGreenS != nil {
					cell.Detail = "green after " + Duration(*e.TimeToGreenS)
					cell.Label = fmt.Sprintf("%.0fm", math.Max(1, math.Round(*e.TimeToGreenS/60)))
				}
				row.Passed++
				b.Exercises[i].Passed++
				b.Exercises[i].Tried++
			case StatusFail:
				var failed []string
				for _, c := range e.Criteria {
					if !c.OK {
						failed = append(failed, c.Name)
						fails[[2]string{e.ID, c.Name}]++
					}
				}
				cell.Detail = fmt.Sprintf("%d attempt(s); failing: %s", e.Attempts, strings.Join(failed, "; "))
				cell.Label = "✗"
				b.Exercises[i].Tried++
			case StatusSkipped:
				cell.Detail, cell.Label = "skipped: "+e.Reason, "–"
			}
			row.Cells[i] = cell
		}
		b.Rows = append(b.Rows, row)
	}
	for i := range b.Exercises {
		if n := len(reps); n > 0 {
			b.Exercises[i].Rate = float64(b.Exercises[i].Passed) / float64(n)
		}
	}
	for k, n := range fails {
		b.Failing = append(b.Failing, FailedCriterion{Exercise: k[0], Criterion: k[1], Count: n})
	}
	slices.SortFunc(b.Failing, func(x, y FailedCriterion) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Exercise, y.Exercise), cmp.Compare(x.Criterion, y.Criterion))
	})
	if len(b.Failing) > 10 {
		b.Failing = b.Failing[:10]
	}
	return b
}

// Duration renders seconds as 42s, 12m or 1h05m.
func Duration(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

var boardTmpl = template.Must(template.New("board").Funcs(template.FuncMap{
	"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"ts":  func(t time.Time) string { return t.Format("2006-01-02 15:04:05 UTC") },
}).Parse(boardHTML))

// RenderBoard writes the board as one self-contained HTML page (no script,
// no network: styles inline; a live board refreshes with a meta tag). The
// heatmap's rows, most of the page, are written directly with escaped text
// rather than through the template's per-value contextual escaping.
func RenderBoard(w io.Writer, b *Board) error {
	var body strings.Builder
	body.Grow(len(b.Rows) * len(b.Exercises) * 120)
	esc := html.EscapeString
	for _, r := range b.Rows {
		p := esc(r.Participant)
		body.WriteString(`<tr data-participant="` + p + `"><th class="who">` + p + `</th>`)
		for _, c := range r.Cells {
			ex := esc(c.Exercise)
			body.WriteString(`<td class="cell ` + string(c.Status) + `" data-exercise="` + ex + `" data-status="` + string(c.Status) +
				`" title="` + ex + `: ` + esc(c.Detail) + `">` + esc(c.Label) + `</td>`)
		}
		body.WriteString(`<td>` + strconv.Itoa(r.Passed) + "</td></tr>\n")
	}
	return boardTmpl.Execute(w, struct {
		*Board
		Body template.HTML
	}{b, template.HTML(body.String())}) // every value in it went through html.EscapeString
}

const boardHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>{{.Title}}</title>
<style>
:root{--bg:#fff;--fg:#1b1f24;--mute:#57606a;--line:#d0d7de;--pass:#2da44e;--fail:#cf222e;--skip:#9a6700;--none:#eaeef2}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#8d96a0;--line:#30363d;--none:#21262d}}
body{font:14px/1.4 system-ui,sans-serif;background:var(--bg);color:var(--fg);margin:24px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.mute{color:var(--mute)}
table{border-collapse:collapse}
th,td{border:1px solid var(--line);padding:0;text-align:center}
th{font-weight:600;padding:4px 6px}
th.ex{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-size:12px;height:130px}
th.who{text-align:left;white-space:nowrap}
td.cell{width:30px;height:26px;font-size:11px;color:#fff}
td.pass{background:var(--pass)}td.fail{background:var(--fail)}td.skipped{background:var(--skip)}td.not-tried{background:var(--none);color:var(--mute)}
td.rate{font-size:11px;padding:2px}
.legend span{display:inline-block;width:12px;height:12px;vertical-align:middle;margin:0 4px 0 12px}
ol{padding-left:20px}
</style></head><body>
<h1>{{.Title}}</h1>
<div class="mute">{{len .Rows}} participant(s), {{len .Exercises}} exercises — generated {{ts .Generated}}{{if .Refresh}}, refreshes every {{.Refresh}} s{{end}}</div>
<div class="legend mute"><span style="background:var(--pass)"></span>passed<span style="background:var(--fail)"></span>failed<span style="background:var(--skip)"></span>skipped<span style="background:var(--none)"></span>not tried <span style="background:none;width:auto">— a green cell shows the minutes from the start to green</span></div>
<h2>Participants × exercises</h2>
<table id="heatmap">
<thead><tr><th class="who">participant</th>{{range .Exercises}}<th class="ex" title="{{.Title}} ({{.Capability}})">{{.ID}}</th>{{end}}<th>passed</th></tr></thead>
<tbody>
{{.Body}}</tbody>
<tfoot><tr><th class="who">pass rate</th>{{range .Exercises}}<td class="rate" data-exercise="{{.ID}}" data-rate="{{pct .Rate}}" title="{{.Passed}} passed, {{.Tried}} tried">{{pct .Rate}}</td>{{end}}<td></td></tr></tfoot>
</table>
<h2>Criteria most often failed</h2>
{{if .Failing}}<ol id="failing">{{range .Failing}}<li><b>{{.Exercise}}</b>: {{.Criterion}} — {{.Count}} participant(s)</li>{{end}}</ol>{{else}}<p class="mute">No failed criterion yet.</p>{{end}}
</body></html>
`
