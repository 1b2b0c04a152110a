package racereport

import (
	"os"
	"strings"
	"testing"

	"github.com/gocap/gocap/checks/internal/testjson"
	"github.com/gocap/gocap/internal/testclose"
)

func captured(t *testing.T, pkg string) *testjson.Package {
	t.Helper()
	f, err := os.Open("../../testdata/captured/race.json")
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "race.json", f)
	r, err := testjson.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Packages[pkg]
	if p == nil {
		t.Fatalf("no package %s", pkg)
	}
	return p
}

func TestParseCapturedRaces(t *testing.T) {
	races := Parse(captured(t, "example.com/m/racy").Output)
	if len(races) != 4 {
		t.Fatalf("got %d races, want 4", len(races))
	}
	r := races[0]
	if r.Test != "TestIncAll" || len(r.Accesses) != 2 {
		t.Fatalf("race 0: test %q, %d accesses", r.Test, len(r.Accesses))
	}
	a, b := r.Accesses[0], r.Accesses[1]
	if a.Kind != "read" || a.Previous || b.Kind != "write" || !b.Previous {
		t.Errorf("kinds = %q/%v, %q/%v; want read then previous write", a.Kind, a.Previous, b.Kind, b.Previous)
	}
	if a.Goroutine == 0 || b.Goroutine == 0 || a.Goroutine == b.Goroutine || !strings.HasPrefix(a.Addr, "0x") {
		t.Errorf("goroutines %d %d addr %q", a.Goroutine, b.Goroutine, a.Addr)
	}
	if len(a.Stack) < 2 || a.Stack[0].Func != "example.com/m/racy.(*Counter).Inc" || a.Stack[0].File != "/tmp/cap/m/racy/racy.go" || a.Stack[0].Line != 12 {
		t.Errorf("stack[0] = %+v", a.Stack)
	}
	if len(a.Created) == 0 || a.Created[0].Func != "example.com/m/racy.IncAll" || a.Created[0].Line != 20 {
		t.Errorf("created = %+v", a.Created)
	}
	// TestPut: the map write in the goroutine vs the read in Put.
	var p Race
	for _, x := range races {
		if x.Test == "TestPut" {
			p = x
			break
		}
	}
	if p.Test != "TestPut" || p.Accesses[0].Stack[0].Func != "runtime.mapassign_faststr" || p.Accesses[0].Stack[1].Line != 35 {
		t.Errorf("race 1 = %+v", p.Accesses[0].Stack)
	}
	if !strings.Contains(p.Raw, "WARNING: DATA RACE") {
		t.Error("raw report missing")
	}
}

func TestGoroutinesFromPanic(t *testing.T) {
	var lines []string
	for _, l := range captured(t, "example.com/m/panicky").Output {
		lines = append(lines, l.Text)
	}
	gs := Goroutines(lines)
	if len(gs) != 1 || gs[0].State != "running" {
		t.Fatalf("goroutines = %+v", gs)
	}
	var found bool
	for _, f := range gs[0].Frames {
		if f.Func == "example.com/m/panicky.First" && f.File == "/tmp/cap/m/panicky/p.go" && f.Line == 4 {
			found = true
		}
	}
	if !found {
		t.Errorf("panicking frame First at p.go:4 not found in %+v", gs[0].Frames)
	}
}

func TestFuncName(t *testing.T) {
	for in, want := range map[string]string{
		"example.com/m/racy.(*Counter).Inc()":           "example.com/m/racy.(*Counter).Inc",
		"testing.tRunner.func1.2({0x633400, 0xc0000})":  "testing.tRunner.func1.2",
		"panic({0x633400?, 0xc00001e0c0?})":             "panic",
		"example.com/m/panicky.First(...)":              "example.com/m/panicky.First",
		"created by testing.(*T).Run in goroutine 1":    "testing.(*T).Run",
		"created by time.goFunc":                        "time.goFunc",
		"goroutine 7 [running]:":                        "",
		"/usr/local/go/src/testing/testing.go:1974 +0x": "",
	} {
		if got := FuncName(in); got != want {
			t.Errorf("FuncName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseVariants(t *testing.T) {
	var lines []testjson.Line
	for _, l := range []string{
		"==================",
		"WARNING: DATA RACE",
		"Atomic write at 0x00c000012345 by main goroutine (mutexes: write M1):",
		"  main.f()",
		"      /src/main.go:9 +0x1",
		"",
		"Previous read at 0x00c000012345 by goroutine 7:",
		"  [failed to restore the stack]",
		"",
		"Goroutine 7 (finished) created at:",
		"  main.main()",
		"      /src/main.go:5 +0x2",
		"==================",
	} {
		lines = append(lines, testjson.Line{Text: l})
	}
	rs := Parse(lines)
	if len(rs) != 1 || len(rs[0].Accesses) != 2 {
		t.Fatalf("races = %+v", rs)
	}
	a, b := rs[0].Accesses[0], rs[0].Accesses[1]
	if a.Kind != "atomic write" || a.Goroutine != 1 || len(a.Stack) != 1 || a.Stack[0].Line != 9 {
		t.Errorf("first access %+v", a)
	}
	if b.Kind != "read" || !b.Previous || b.Goroutine != 7 || len(b.Stack) != 0 || len(b.Created) != 1 || b.Created[0].Func != "main.main" {
		t.Errorf("second access %+v", b)
	}
}
