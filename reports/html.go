package reports

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"html/template"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func init() { RegisterFormat("html", "html", RenderHTML) }

//go:embed html/report.html.tmpl
var htmlTemplate string

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"score":  scoreText,
	"num":    fmtNum,
	"pct":    func(v float64) string { return fmt.Sprintf("%.1f%%", v*100) },
	"sec":    func(ms int64) string { return fmt.Sprintf("%.1fs", float64(ms)/1000) },
	"loc":    location,
	"frame":  func(f *Frame) string { return shareFrame(f) },
	"gauge":  gaugePath,
	"band":   band,
	"value":  func(v int64, unit string) string { return FormatValue(float64(v), unit) },
	"metric": FormatMetric,
	"cost":   func(f Finding) string { return fixed1(FindingCost(f)) },
	"share":  SharePath,
	"blockerLoc": func(b Blocker) string {
		return location(Finding{File: b.File, Line: b.Line})
	},
	"coverage": func(v *float64) string { return strconv.Itoa(int(*v*100+0.5)) + "%" },
}).Parse(htmlTemplate))

// CodeLine is one line of source shown around a finding.
type CodeLine struct {
	N    int
	Text string
	Hit  bool
}

// htmlFinding is one finding as the page's script reads it (short keys: a
// 5,000-finding report embeds them all).
type htmlFinding struct {
	Sev      Severity `json:"s"`
	Loc      string   `json:"l"`
	Check    string   `json:"c"`
	Rule     string   `json:"r"`
	Dim      string   `json:"d,omitempty"`
	File     string   `json:"f,omitempty"`
	Message  string   `json:"m"`
	Hint     string   `json:"h,omitempty"`
	Function string   `json:"fn,omitempty"`
	New      bool     `json:"n,omitempty"`
	// Code is [line number, text, 1 for the finding's line] per line.
	Code   [][]any `json:"x,omitempty"`
	Detail string  `json:"dt,omitempty"`
}

type htmlProfile struct {
	ProfileTop
	Icicle *Icicle
}

type htmlData struct {
	R *Report
	// NFindings is every finding of the report: the page holds them all
	// (FindingsJSON) and draws HTMLPageSize rows at a time.
	NFindings    int
	FindingsJSON template.JS
	PageSize     int
	FixFirst     []Finding
	Dims         []string
	Files        []string
	Profiles     []htmlProfile
	HotEscapes   []Escape
	Benchmarks   []BenchRow
	Generated    string
}

// ContextLines is how many lines above and below a finding the HTML shows.
const ContextLines = 3

// HTMLPageSize is how many finding rows the page draws at once; "show more"
// and the filters draw from every finding the page holds.
const HTMLPageSize = 200

// RenderHTML writes one self-contained HTML page (no network: styles, script
// and graphics inline): the verdict, blockers and the findings to fix first,
// a gauge per dimension, every finding (embedded as data and drawn
// HTMLPageSize rows at a time, so a report of thousands stays responsive)
// filterable by dimension, severity, file and text with the code around each
// finding (read from RenderOptions.Root), races with both stacks,
// benchmarks, profile tops with an icicle graph of the heaviest stacks, in
// light and dark (prefers-color-scheme). Paths outside the module (the
// module cache, GOROOT, gocap's profile cache) are shortened: the page is
// meant to be shared.
func RenderHTML(w io.Writer, r *Report, o RenderOptions) error {
	d := htmlData{R: r, PageSize: HTMLPageSize, FixFirst: FixFirst(r, FixFirstCount), Benchmarks: BenchRows(r.Benchmarks),
		Generated: r.Started.UTC().Format("2006-01-02 15:04:05 UTC")}
	fs := r.Findings()
	sortBySeverity(fs)
	d.NFindings = len(fs)
	files := newFileCache(o.Root)
	dims, paths := map[string]bool{}, map[string]bool{}
	hf := make([]htmlFinding, len(fs))
	for i, f := range fs {
		h := htmlFinding{Sev: f.Severity, Loc: location(f), Check: f.Check, Rule: f.Rule, Dim: f.Dimension, File: f.File,
			Message: f.Message, Hint: f.Hint, Function: f.Function, New: f.Baseline == BaselineNew, Detail: cleanDetail(f.Detail)}
		for _, cl := range files.context(f.File, f.Line) {
			hit := 0
			if cl.Hit {
				hit = 1
			}
			h.Code = append(h.Code, []any{cl.N, cl.Text, hit})
		}
		hf[i] = h
		if f.Dimension != "" {
			dims[f.Dimension] = true
		}
		if f.File != "" {
			paths[f.File] = true
		}
	}
	// encoding/json escapes <, > and & (and U+2028/9): the data cannot end
	// the script element it sits in.
	js, err := json.Marshal(hf)
	if err != nil {
		return err
	}
	d.FindingsJSON = template.JS(js)
	d.Dims = sortedKeys(dims)
	d.Files = sortedKeys(paths)
	for _, p := range r.Profiles {
		d.Profiles = append(d.Profiles, htmlProfile{ProfileTop: p, Icicle: BuildIcicle(p.Stacks, 1000, 18)})
	}
	for _, e := range r.Escapes {
		if e.Hot {
			d.HotEscapes = append(d.HotEscapes, e)
		}
	}
	return htmlTmpl.Execute(w, d)
}

// cleanDetail drops "see #anchor" lines: a relative documentation link
// (an analyzer without a URL of its own) that leads nowhere on this page.
func cleanDetail(s string) string {
	if !strings.Contains(s, "see #") {
		return s
	}
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "see #") {
			keep = append(keep, l)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// SharePath shortens a path that only means something on the machine that
// ran gocap: a module cache file becomes module@version/file, a GOROOT file
// $GOROOT/src/…, any other absolute path its last element. Paths relative
// to the module root or the output folder stay as they are.
func SharePath(p string) string {
	if p == "" || !(strings.HasPrefix(p, "/") || filepath.IsAbs(p)) {
		return p
	}
	s := filepath.ToSlash(p)
	if i := strings.LastIndex(s, "/pkg/mod/"); i >= 0 {
		return s[i+len("/pkg/mod/"):]
	}
	if i := strings.LastIndex(s, "/go/src/"); i >= 0 {
		return "$GOROOT/src/" + s[i+len("/go/src/"):]
	}
	return path.Base(s)
}

func shareFrame(f *Frame) string {
	if f == nil {
		return "?"
	}
	return SharePath(f.File) + ":" + strconv.Itoa(f.Line) + " " + f.Func
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fileCache reads source files below root once; paths that leave root
// (absolute, ..) are refused, since a report file may come from anywhere.
type fileCache struct {
	root  string
	lines map[string][]string
}

func newFileCache(root string) *fileCache {
	return &fileCache{root: root, lines: map[string][]string{}}
}

func (c *fileCache) context(rel string, line int) []CodeLine {
	if c.root == "" || rel == "" || line <= 0 {
		return nil
	}
	clean := path.Clean(rel)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return nil
	}
	ls, ok := c.lines[clean]
	if !ok {
		ls = readLines(filepath.Join(c.root, filepath.FromSlash(clean)))
		c.lines[clean] = ls
	}
	if line > len(ls) {
		return nil
	}
	var out []CodeLine
	for n := max(1, line-ContextLines); n <= min(len(ls), line+ContextLines); n++ {
		out = append(out, CodeLine{N: n, Text: ls[n-1], Hit: n == line})
	}
	return out
}

func readLines(p string) []string {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }() // read-only: a close error cannot lose data
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		out = append(out, strings.ReplaceAll(sc.Text(), "\t", "    "))
	}
	return out
}

// gaugePath returns the SVG path of a half-circle gauge arc (centre 60,60,
// radius 50) filled to score/100.
func gaugePath(v *float64) string {
	if v == nil || *v <= 0 {
		return ""
	}
	s := math.Min(*v, 100) / 100
	theta := math.Pi * (1 - s)
	x := 60 + 50*math.Cos(theta)
	y := 60 - 50*math.Sin(theta)
	return fmt.Sprintf("M 10 60 A 50 50 0 0 1 %.2f %.2f", x, y)
}

// band classifies a score for colouring: good (>80), fair (>60), poor, none.
func band(v *float64) string {
	switch {
	case v == nil:
		return "none"
	case *v > 80:
		return "good"
	case *v > 60:
		return "fair"
	}
	return "poor"
}

// Icicle is a laid-out icicle graph (a flame graph drawn top-down): the root
// at the top, each frame as wide as its share of the sampled value.
type Icicle struct {
	Width, Height float64
	Rects         []IcicleRect
	Total         int64
}

// IcicleRect is one frame of an icicle graph.
type IcicleRect struct {
	X, Y, W, H float64
	Func       string
	Label      string // Func shortened to fit, or empty when too narrow
	Value      int64
	Pct        float64 // of the total, 0..100
	Fill       string
}

type icNode struct {
	name     string
	value    int64
	children map[string]*icNode
	order    []string
}

// BuildIcicle merges stacks (root first) into a tree and lays it out in a
// width×(depth·rowH) box; frames narrower than a pixel are dropped. It
// returns nil when there are no stacks.
func BuildIcicle(stacks []ProfileStack, width, rowH float64) *Icicle {
	root := &icNode{children: map[string]*icNode{}}
	for _, s := range stacks {
		if s.Value <= 0 || len(s.Funcs) == 0 {
			continue
		}
		root.value += s.Value
		n := root
		for _, fn := range s.Funcs {
			c := n.children[fn]
			if c == nil {
				c = &icNode{name: fn, children: map[string]*icNode{}}
				n.children[fn] = c
				n.order = append(n.order, fn)
			}
			c.value += s.Value
			n = c
		}
	}
	if root.value == 0 {
		return nil
	}
	ic := &Icicle{Width: width, Total: root.value}
	const maxDepth = 48
	var walk func(n *icNode, x float64, depth int)
	walk = func(n *icNode, x float64, depth int) {
		names := append([]string(nil), n.order...)
		sort.Strings(names) // alphabetical, as flame graphs do: stable across runs
		for _, name := range names {
			c := n.children[name]
			w := width * float64(c.value) / float64(root.value)
			if w < 1 || depth >= maxDepth {
				x += w
				continue
			}
			rect := IcicleRect{X: x, Y: float64(depth) * rowH, W: w, H: rowH - 1, Func: c.name, Value: c.value,
				Pct: 100 * float64(c.value) / float64(root.value), Fill: flameColor(c.name)}
			if chars := int((w - 6) / 7); chars >= 3 {
				rect.Label = shortFunc(c.name, chars)
			}
			ic.Rects = append(ic.Rects, rect)
			if bottom := rect.Y + rowH; bottom > ic.Height {
				ic.Height = bottom
			}
			walk(c, x, depth+1)
			x += w
		}
	}
	walk(root, 0, 0)
	return ic
}

// shortFunc drops the package path and trims a function name to n runes.
func shortFunc(fn string, n int) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	r := []rune(fn)
	if len(r) > n {
		if n <= 2 {
			return ""
		}
		return string(r[:n-1]) + "…"
	}
	return fn
}

// flameColor gives each function a stable warm colour.
func flameColor(fn string) string {
	h := fnv.New32a()
	h.Write([]byte(fn))
	v := h.Sum32()
	return fmt.Sprintf("hsl(%d,%d%%,%d%%)", 10+v%40, 70+(v>>8)%20, 55+(v>>16)%10)
}
