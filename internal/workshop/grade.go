package workshop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/modinfo"
	"github.com/gocap/gocap/internal/pipeline"
	"github.com/gocap/gocap/reports"
)

// SchemaVersion is the version of the grade document.
const SchemaVersion = 1

// gradeBenchTime is the bench time of the workshop's benchmark criteria.
const gradeBenchTime = "100ms"

// Status of a graded exercise.
type Status string

// The statuses.
const (
	StatusPass     Status = "pass"
	StatusFail     Status = "fail"
	StatusSkipped  Status = "skipped"
	StatusNotTried Status = "not-tried" // on the board only: no report has the exercise
)

// Report is the grade document of one participant's workshop folder
// (`gocap workshop grade --json`, and what `--submit` posts).
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Participant   string    `json:"participant"`
	Graded        time.Time `json:"graded"`
	Started       time.Time `json:"started,omitzero"`
	DurationMS    int64     `json:"duration_ms"`
	Exercises     []Result  `json:"exercises"`
}

// Result is one exercise's grade.
type Result struct {
	ID         string            `json:"id"`
	Title      string            `json:"title"`
	Capability Capability        `json:"capability"`
	Status     Status            `json:"status"`
	Reason     string            `json:"reason,omitempty"` // why skipped
	Criteria   []CriterionResult `json:"criteria"`
	// Hints is the ladder so far: one per failed grade, none once green.
	Hints    []string `json:"hints,omitempty"`
	Attempts int      `json:"attempts"`
	// TimeToGreenS is the time from the workshop's start to the first
	// passing grade, in seconds; null until then.
	TimeToGreenS *float64 `json:"time_to_green_s"`
}

// CriterionResult is one criterion's outcome with what was measured.
type CriterionResult struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Measured string `json:"measured"`
	Want     string `json:"want"`
}

// Passed counts the exercises that pass.
func (r *Report) Passed() int {
	n := 0
	for _, e := range r.Exercises {
		if e.Status == StatusPass {
			n++
		}
	}
	return n
}

// Options of a grade.
type Options struct {
	Dir string   // the workshop folder (any folder inside it)
	IDs []string // exercises to grade; empty: every exercise folder present
	// Checks is gocap's list of checks (cmd/gocap passes it); the grade
	// runs the legs its criteria need through the pipeline.
	Checks      []*checks.Check
	Participant string
	Now         func() time.Time
	Progress    func(task, msg string)
	// Timeout bounds the pipeline run (default 10m, as gocap check).
	Timeout time.Duration

	// probe replaces probeNeeds (tests).
	probe func(context.Context) map[Need]string
}

// Grade grades the workshop folder: one pipeline run over the exercise
// folders with the legs the criteria need, the plugin criteria through
// gocap's wasm host, then every criterion, the hint ladder and time to green.
// The folder's state (attempts, time to green) is updated.
func Grade(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	now := o.Now
	if now == nil {
		now = time.Now
	}
	root, err := workshopRoot(o.Dir)
	if err != nil {
		return nil, err
	}
	ids, err := presentIDs(root, o.IDs)
	if err != nil {
		return nil, err
	}
	st, err := LoadState(root)
	if err != nil {
		return nil, err
	}
	env := &gradeEnv{root: root, probe: o.probe}
	if env.probe == nil {
		env.probe = probeNeeds
	}
	var run []Exercise
	reasons := map[string]string{}
	for _, id := range ids {
		e, _ := Find(id)
		if why := env.unmet(ctx, e); why != "" {
			reasons[id] = why
			continue
		}
		run = append(run, e)
	}
	if err := env.measure(ctx, o, run); err != nil {
		return nil, err
	}
	rep := &Report{SchemaVersion: SchemaVersion, Participant: o.Participant, Graded: now().UTC().Truncate(time.Second), Started: st.Started}
	for _, id := range ids {
		e, _ := Find(id)
		var r Result
		if why, ok := reasons[id]; ok {
			r = Result{ID: e.ID, Title: e.Title, Capability: e.Capability, Status: StatusSkipped, Reason: why, Criteria: []CriterionResult{}}
		} else {
			r = env.evaluate(e)
		}
		ladder(st, e, &r, now())
		rep.Exercises = append(rep.Exercises, r)
	}
	if err := st.Save(root); err != nil {
		return nil, err
	}
	rep.DurationMS = time.Since(start).Milliseconds()
	return rep, nil
}

// ladder records the attempt in st and sets r's hints, attempts and time
// to green: the first hint on the first failed grade, one more on each
// further failed grade; no hints once green.
func ladder(st *State, e Exercise, r *Result, now time.Time) {
	es := st.Exercises[e.ID]
	if es == nil {
		es = &ExerciseState{}
		st.Exercises[e.ID] = es
	}
	if r.Status == StatusSkipped {
		r.Attempts = es.Attempts
		r.TimeToGreenS = timeToGreen(st, es)
		return
	}
	es.Attempts++
	if es.FirstTry.IsZero() {
		es.FirstTry = now.UTC()
	}
	es.LastState = string(r.Status)
	switch r.Status {
	case StatusPass:
		if es.GreenAt.IsZero() {
			es.GreenAt = now.UTC()
		}
	case StatusFail:
		es.Fails++
		r.Hints = e.Hints[:min(es.Fails, len(e.Hints))]
	}
	r.Attempts = es.Attempts
	r.TimeToGreenS = timeToGreen(st, es)
}

func timeToGreen(st *State, es *ExerciseState) *float64 {
	if es.GreenAt.IsZero() {
		return nil
	}
	from := st.Started
	if from.IsZero() || es.FirstTry.Before(from) {
		from = es.FirstTry
	}
	s := es.GreenAt.Sub(from).Seconds()
	return &s
}

// workshopRoot finds the workshop module containing dir.
func workshopRoot(dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	root, mod, _, err := modinfo.FindModule(dir)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not a workshop folder: create one with gocap workshop start DIR", ErrUsage, dir)
	}
	if mod != starterModule() {
		return "", fmt.Errorf("%w: %s holds module %s, not the workshop (%s): create one with gocap workshop start DIR", ErrUsage, root, mod, starterModule())
	}
	return root, nil
}

func starterModule() string {
	b, err := starter.ReadFile(starterRoot + "/go.mod.txt")
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(strings.TrimPrefix(line, "module "))
}

// presentIDs returns the selected exercises that have a folder in root.
func presentIDs(root string, want []string) ([]string, error) {
	if len(want) > 0 {
		ids, err := CheckIDs(want)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if st, err := os.Stat(filepath.Join(root, id)); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("%w: exercise %s is not in %s: add it with gocap workshop start --force --exercises %s %s", ErrUsage, id, root, id, root)
			}
		}
		return ids, nil
	}
	var ids []string
	for _, id := range IDs() {
		if st, err := os.Stat(filepath.Join(root, id)); err == nil && st.IsDir() {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: %s holds no exercise folder: gocap workshop start --force %s writes them", ErrUsage, root, root)
	}
	return ids, nil
}

// leg is the gocap check a criterion is measured by ("" none).
func leg(c Criterion) string {
	switch c.Kind {
	case KindTests, KindRace, KindMeasure:
		return "race"
	case KindAllocs, KindNsPerOp:
		return "pprof"
	case KindNoEscape:
		return "escape"
	case KindNoFindings:
		for _, r := range c.Rules {
			switch {
			case strings.HasPrefix(r, "errorlint"), strings.HasPrefix(r, "errcheck"):
				return "errors"
			case strings.HasPrefix(r, "printlog"):
				return "logging"
			}
		}
		return "vet"
	}
	return ""
}

// Criteria returns an exercise's criteria as graded: its own, then that the
// goal tests are unchanged.
func Criteria(e Exercise) []Criterion {
	return append(slices.Clip(e.Criteria), Criterion{Name: "goal tests unchanged", Kind: KindTestsUnchanged, Want: "as handed out"})
}

// gradeEnv holds one grade's measurements.
type gradeEnv struct {
	root  string
	probe func(context.Context) map[Need]string

	doctorOnce sync.Once
	doctor     map[Need]string // need → why unmet ("" met)

	rep     *reports.Report
	repErr  error
	plugins map[string]*pluginResult
}

// measure runs the pipeline and the plugin criteria for the exercises.
func (g *gradeEnv) measure(ctx context.Context, o Options, run []Exercise) error {
	var legs, patterns []string
	var plug []Exercise
	for _, e := range run {
		used := false
		for _, c := range Criteria(e) {
			if l := leg(c); l != "" && !slices.Contains(legs, l) {
				legs = append(legs, l)
			}
			if l := leg(c); l != "" {
				used = true
			}
			if c.Kind == KindPlugin && !slices.ContainsFunc(plug, func(p Exercise) bool { return p.ID == e.ID }) {
				plug = append(plug, e)
			}
		}
		if used {
			patterns = append(patterns, "./"+e.ID+"/...")
		}
	}
	var wg sync.WaitGroup
	g.plugins = map[string]*pluginResult{}
	var mu sync.Mutex
	for _, e := range plug {
		wg.Go(func() {
			if o.Progress != nil {
				o.Progress("plugin "+e.ID, "building for wasip1")
			}
			pr := runPlugin(ctx, g.root, e)
			mu.Lock()
			g.plugins[e.ID] = pr
			mu.Unlock()
			if o.Progress != nil {
				o.Progress("plugin "+e.ID, "done")
			}
		})
	}
	if len(patterns) > 0 {
		var list []*checks.Check
		for _, c := range o.Checks {
			if slices.Contains(legs, c.ID) {
				list = append(list, c)
			}
		}
		if len(list) == 0 {
			return fmt.Errorf("grading needs the checks %s, and none was given", strings.Join(legs, ","))
		}
		timeout := o.Timeout
		if timeout <= 0 {
			timeout = 10 * time.Minute
		}
		// Exercises are graded on ns/op and allocs/op of a benchmark or
		// two (cpu-hotspot's ≤ 20 ms/op, alloc-budget's ≤ 1 allocs/op):
		// gradeBenchTime gives them the iterations a verdict needs, where
		// check's default (20 ms) is tuned for modules with many benchmarks.
		res, err := pipeline.Run(ctx, pipeline.Config{Dir: g.root, Patterns: patterns, Checks: list, Timeout: timeout, Progress: o.Progress, BenchTime: gradeBenchTime})
		switch {
		case err != nil:
			g.repErr = err
		case res.Cut != nil:
			g.repErr = res.Cut
		default:
			g.rep = res.Report
		}
	}
	wg.Wait()
	if g.repErr != nil {
		return g.repErr
	}
	return ctx.Err()
}

// unmet says why this machine cannot grade e ("" when it can).
func (g *gradeEnv) unmet(ctx context.Context, e Exercise) string {
	if len(e.Needs) == 0 {
		return ""
	}
	g.doctorOnce.Do(func() { g.doctor = g.probe(ctx) })
	var why []string
	for _, n := range e.Needs {
		if w := g.doctor[n]; w != "" && !slices.Contains(why, w) {
			why = append(why, w)
		}
	}
	return strings.Join(why, "; ")
}

// inDir reports whether a module-relative file is in the exercise folder.
func inDir(file, id string) bool { return strings.HasPrefix(file, id+"/") }

func (g *gradeEnv) check(id string) *reports.Check {
	if g.rep == nil {
		return nil
	}
	for i := range g.rep.Checks {
		if g.rep.Checks[i].ID == id {
			return &g.rep.Checks[i]
		}
	}
	return nil
}

// legProblem says why a leg's results cannot be trusted ("" when they can).
func (g *gradeEnv) legProblem(id string) string {
	c := g.check(id)
	switch {
	case c == nil:
		return "not measured: the " + id + " leg did not run"
	case c.Status == reports.StatusError || c.Status == reports.StatusSkipped:
		return "not measured: " + id + " leg " + string(c.Status) + ": " + c.Summary
	}
	return ""
}

var testRules = []string{"test-failed", "panic", "timeout", "build-failed"}

// evaluate grades one exercise from the measurements.
func (g *gradeEnv) evaluate(e Exercise) Result {
	r := Result{ID: e.ID, Title: e.Title, Capability: e.Capability, Status: StatusPass}
	for _, c := range Criteria(e) {
		cr := CriterionResult{Name: c.Name, Want: c.Want}
		cr.OK, cr.Measured = g.criterion(e, c)
		if !cr.OK {
			r.Status = StatusFail
		}
		r.Criteria = append(r.Criteria, cr)
	}
	return r
}

func (g *gradeEnv) criterion(e Exercise, c Criterion) (bool, string) {
	if l := leg(c); l != "" {
		if p := g.legProblem(l); p != "" {
			return false, p
		}
	}
	switch c.Kind {
	case KindTests:
		failing := g.failingTests(e)
		if len(failing) == 0 {
			return true, "all pass"
		}
		return false, fmt.Sprintf("%d failing: %s", len(failing), strings.Join(failing, ", "))
	case KindRace:
		var at []string
		for _, f := range g.check("race").Findings {
			if f.Rule == "data-race" && inDir(f.File, e.ID) {
				at = append(at, f.File+":"+strconv.Itoa(f.Line))
			}
		}
		if len(at) == 0 {
			return true, "0 data races"
		}
		return false, fmt.Sprintf("%d data race(s) at %s", len(at), strings.Join(at, ", "))
	case KindMeasure:
		return g.measured(e, c)
	case KindNoFindings:
		var at []string
		for _, f := range g.check(leg(c)).Findings {
			if inDir(f.File, e.ID) && ruleMatch(f.Rule, c.Rules) {
				at = append(at, fmt.Sprintf("%s at %s:%d", f.Rule, f.File, f.Line))
			}
		}
		if len(at) == 0 {
			return true, "0 findings"
		}
		return false, fmt.Sprintf("%d: %s", len(at), strings.Join(at, "; "))
	case KindAllocs, KindNsPerOp:
		b := g.benchmark(e, c.Bench)
		if b == nil {
			return false, c.Bench + " did not run (is it still in a _test.go file, and does it compile?)"
		}
		if c.Kind == KindAllocs {
			return b.AllocsPerOp <= c.Max, strconv.FormatFloat(b.AllocsPerOp, 'f', -1, 64) + " allocs/op"
		}
		return b.NsPerOp <= c.Max, reports.FormatValue(b.NsPerOp/1e9, "s") + "/op"
	case KindNoEscape:
		var at []string
		for _, x := range g.rep.Escapes {
			if inDir(x.File, e.ID) && x.Code != "leak" && funcMatch(x.Function, c.Func) && !strings.HasSuffix(x.File, "_test.go") {
				at = append(at, fmt.Sprintf("%s (%s:%d)", x.Message, x.File, x.Line))
			}
		}
		if len(at) == 0 {
			return true, "0 escapes"
		}
		return false, strings.Join(at, "; ")
	case KindBLoop:
		return bloop(filepath.Join(g.root, e.ID), c.Bench, c.Setup)
	case KindPlugin:
		return g.plugins[e.ID].criterion(c)
	case KindTestsUnchanged:
		return g.unchanged(e)
	}
	return false, "unknown criterion kind " + string(c.Kind)
}

// failingTests names the goal tests (or build errors) that fail in e.
func (g *gradeEnv) failingTests(e Exercise) []string {
	var out []string
	for _, f := range g.check("race").Findings {
		if !inDir(f.File, e.ID) || !slices.Contains(testRules, f.Rule) {
			continue
		}
		name := f.Rule
		if f.Rule == "test-failed" || f.Rule == "panic" || f.Rule == "timeout" {
			if i := strings.LastIndexByte(f.Function, '.'); i >= 0 {
				name = f.Function[i+1:]
			}
			if name == "" {
				name, _, _ = strings.Cut(f.Message, ":")
			}
		} else {
			name = "does not build: " + firstLine(f.Message)
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func (g *gradeEnv) measured(e Exercise, c Criterion) (bool, string) {
	key := "gocap-measure: " + c.Measure + "="
	for _, f := range g.check("race").Findings {
		if !inDir(f.File, e.ID) {
			continue
		}
		_, v, ok := strings.Cut(f.Message, key)
		if !ok {
			continue
		}
		v, _, _ = strings.Cut(v, " ")
		n, err := strconv.ParseFloat(v, 64)
		return err == nil && n <= c.Max, v
	}
	if len(g.failingTests(e)) == 0 {
		// The goal test fails exactly when the value exceeds Max, and it passed.
		return true, strconv.FormatFloat(c.Max, 'f', -1, 64) + " (goal test passed)"
	}
	return false, "not reached: the goal test failed before measuring it"
}

func (g *gradeEnv) benchmark(e Exercise, name string) *reports.Benchmark {
	for i := range g.rep.Benchmarks {
		b := &g.rep.Benchmarks[i]
		if strings.HasSuffix(b.Package, "/"+e.ID) && b.Name == name {
			return b
		}
	}
	return nil
}

func (g *gradeEnv) unchanged(e Exercise) (bool, string) {
	var edited []string
	for n, want := range goalTests(e) {
		got, err := os.ReadFile(filepath.Join(g.root, filepath.FromSlash(n)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			edited = append(edited, "missing "+n)
		case err != nil:
			edited = append(edited, n+": "+err.Error())
		case sha256.Sum256(got) != sha256.Sum256(want) && !bytes.Equal(normalizeEOL(got), want):
			edited = append(edited, "edited "+n)
		}
	}
	if len(edited) == 0 {
		return true, "unchanged"
	}
	slices.Sort(edited)
	return false, strings.Join(edited, ", ") + " (restore with git checkout, or delete it and run gocap workshop start --force)"
}

func normalizeEOL(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// ruleMatch: a rule equals one of rules, or starts with one ending in "/".
func ruleMatch(rule string, rules []string) bool {
	for _, r := range rules {
		if rule == r || strings.HasSuffix(r, "/") && strings.HasPrefix(rule, r) {
			return true
		}
	}
	return false
}

// funcMatch: a pprof-style function name (pkg.F, pkg.(*T).M, pkg.F.func1)
// is fn or a closure inside it.
func funcMatch(full, fn string) bool {
	i := strings.LastIndexByte(full, '/')
	rest := full[i+1:]
	_, rest, ok := strings.Cut(rest, ".")
	if !ok {
		return false
	}
	return rest == fn || strings.HasPrefix(rest, fn+".func")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
