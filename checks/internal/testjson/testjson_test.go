package testjson

import (
	"os"
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/testclose"
)

// race.json is a real go test -race -json stream recorded by
// checks/testdata/captured/record.sh.
func readCaptured(t *testing.T) *Result {
	t.Helper()
	f, err := os.Open("../../testdata/captured/race.json")
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "race.json", f)
	r, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReadCaptured(t *testing.T) {
	r := readCaptured(t)
	want := map[string]string{
		"example.com/m/failing":    "fail",
		"example.com/m/racy":       "fail",
		"example.com/m/panicky":    "fail",
		"example.com/m/slow":       "fail",
		"example.com/m/compileerr": "fail",
		"example.com/m/vetfail":    "fail",
		"example.com/m/notests":    "skip",
		"example.com/m/hot":        "pass",
	}
	for pkg, action := range want {
		p := r.Packages[pkg]
		if p == nil {
			t.Errorf("package %s missing", pkg)
			continue
		}
		if p.Action != action {
			t.Errorf("%s action = %q, want %q", pkg, p.Action, action)
		}
	}
	if !r.Packages["example.com/m/notests"].NoTests {
		t.Error("notests not marked NoTests")
	}
	if r.Packages["example.com/m/hot"].NoTests {
		t.Error("hot marked NoTests")
	}
	for _, pkg := range []string{"compileerr", "vetfail"} {
		p := r.Packages["example.com/m/"+pkg]
		if !strings.HasPrefix(p.FailedBuild, "example.com/m/"+pkg+" [") {
			t.Errorf("%s FailedBuild = %q", pkg, p.FailedBuild)
		}
		b := r.Builds[p.FailedBuild]
		if b == nil || !b.Failed || len(b.Output) == 0 {
			t.Errorf("%s build = %+v", pkg, b)
		}
	}
	if got := r.Builds["example.com/m/vetfail [example.com/m/vetfail.test]"].Output; !strings.Contains(strings.Join(got, "\n"), "v.go:6:46: fmt.Sprintf format %s has arg n of wrong type int") {
		t.Errorf("vetfail build output = %q", got)
	}
}

func TestFailedLeavesAndUnfinished(t *testing.T) {
	r := readCaptured(t)
	var names []string
	for _, tt := range r.Packages["example.com/m/racy"].FailedLeaves() {
		names = append(names, tt.Name)
	}
	if strings.Join(names, ",") != "TestIncAll,TestPut" {
		t.Errorf("racy failed leaves = %v", names)
	}
	slow := r.Packages["example.com/m/slow"]
	if u := slow.Unfinished(); len(u) != 1 || u[0].Name != "TestSlow" {
		t.Errorf("slow unfinished = %v", u)
	}
	if l := slow.FailedLeaves(); len(l) != 0 {
		t.Errorf("slow failed leaves = %v", l)
	}
}

func TestSubtestLeaves(t *testing.T) {
	r := &Result{Packages: map[string]*Package{}, Builds: map[string]*Build{}}
	for _, e := range []Event{
		{Action: "run", Package: "p", Test: "TestA"},
		{Action: "run", Package: "p", Test: "TestA/x"},
		{Action: "output", Package: "p", Test: "TestA/x", Output: "    a_test.go:9: boom\n"},
		{Action: "fail", Package: "p", Test: "TestA/x"},
		{Action: "fail", Package: "p", Test: "TestA"},
		{Action: "run", Package: "p", Test: "TestB"},
		{Action: "fail", Package: "p", Test: "TestB"},
		{Action: "fail", Package: "p"},
	} {
		r.Add(e)
	}
	var names []string
	for _, tt := range r.Packages["p"].FailedLeaves() {
		names = append(names, tt.Name)
	}
	if strings.Join(names, ",") != "TestA/x,TestB" {
		t.Errorf("leaves = %v, want TestA/x,TestB", names)
	}
}

func TestReadKeepsNonJSON(t *testing.T) {
	r, err := Read(strings.NewReader("go: downloading x\n{\"Action\":\"start\",\"Package\":\"p\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Other) != 1 || r.Other[0] != "go: downloading x" || r.Packages["p"] == nil {
		t.Errorf("Other = %q, packages = %v", r.Other, r.Packages)
	}
}

// BenchmarkRead decodes the captured go test -json stream (races, failures,
// a timeout dump).
func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile("../../testdata/captured/race.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Read(strings.NewReader(string(data))); err != nil {
			b.Fatal(err)
		}
	}
}
