package checks

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func escapeRun(t *testing.T, dir string) *Result {
	t.Helper()
	env := &Env{Dir: dir, Module: "example.com/esc", Patterns: []string{"./..."}, Timeout: time.Minute}
	res, err := runEscape(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestEscapeCache(t *testing.T) {
	t.Setenv("GOCAP_CACHE", t.TempDir())
	dir := t.TempDir()
	writeFixture(t, dir, "go.mod", "module example.com/esc\n\ngo 1.26\n")
	writeFixture(t, dir, "a/a.go", "package a\n\n// New escapes.\nfunc New() *int {\n\tx := 1\n\treturn &x\n}\n")
	writeFixture(t, dir, "b/b.go", "package b\n\nimport \"example.com/esc/a\"\n\n// Get calls a.\nfunc Get() int { return *a.New() }\n")
	writeFixture(t, dir, "onlytests/x_test.go", "package onlytests\n") // nothing to build, not an error
	// A main package: the compiler's header calls it "main", not by its path.
	writeFixture(t, dir, "cmd/tool/main.go", "package main\n\nvar sink *int\n\nfunc main() {\n\tx := 2\n\tsink = &x\n}\n")

	first := escapeRun(t, dir)
	if !strings.Contains(first.Summary, "(3 packages compiled)") || strings.Contains(first.Summary, "did not build") || len(first.Escapes) != 2 {
		t.Fatalf("first run: %s, escapes %+v", first.Summary, first.Escapes)
	}
	second := escapeRun(t, dir)
	if !strings.Contains(second.Summary, "(all 3 packages from gocap's cache)") || len(second.Escapes) != 2 || second.Escapes[0].Line != 5 || second.Escapes[0].Function != "example.com/esc/a.New" {
		t.Fatalf("second run: %s, escapes %+v", second.Summary, second.Escapes)
	}
	if e := second.Escapes[1]; e.File != "cmd/tool/main.go" || e.Function != "main.main" {
		t.Fatalf("the main package's escape from the cache: %+v", e)
	}
	// A change in a recompiles a, and b, whose dependency's export data changed.
	writeFixture(t, dir, "a/a.go", "package a\n\n// New escapes.\nfunc New() *int {\n\tx := 1\n\treturn &x\n}\n\nvar sink any\n\n// Keep escapes.\nfunc Keep(s []int) { sink = s }\n")
	third := escapeRun(t, dir)
	if !strings.Contains(third.Summary, "(2 packages compiled, 1 from gocap's cache)") || len(third.Escapes) != 4 {
		t.Fatalf("after a change: %s, escapes %+v", third.Summary, third.Escapes)
	}
	// A change in b alone recompiles b only.
	writeFixture(t, dir, "b/b.go", "package b\n\nimport \"example.com/esc/a\"\n\n// Get calls a.\nfunc Get() int { return *a.New() + 1 }\n")
	if fourth := escapeRun(t, dir); !strings.Contains(fourth.Summary, "(1 packages compiled, 2 from gocap's cache)") || len(fourth.Escapes) != 4 {
		t.Fatalf("after a change in b: %s", fourth.Summary)
	}
	t.Setenv("GOCAP_CACHE", "off")
	if off := escapeRun(t, dir); !strings.Contains(off.Summary, "(3 packages compiled)") || len(off.Escapes) != 4 {
		t.Fatalf("cache off: %s", off.Summary)
	}
}

func TestEscapeCacheTrim(t *testing.T) {
	dir := t.TempDir()
	escapeCachePut(dir, "aaaa", nil)
	escapeCachePut(dir, "bbbb", nil)
	old := time.Now().Add(-escapeCacheTTL - time.Hour)
	if err := os.Chtimes(escapeCachePath(dir, "aaaa"), old, old); err != nil {
		t.Fatal(err)
	}
	escapeCacheTrim(dir)
	if _, err := os.Stat(escapeCachePath(dir, "aaaa")); !os.IsNotExist(err) {
		t.Errorf("stale entry kept: %v", err)
	}
	if _, ok := escapeCacheGet(dir, "bbbb"); !ok {
		t.Error("fresh entry removed")
	}
}

func TestProfileRunDirKeepsLastRuns(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("GOCAP_CACHE", cache)
	root := filepath.Join(cache, "pprof", "example.com_m")
	for i := range 4 {
		d := filepath.Join(root, "run-old"+strconv.Itoa(i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-time.Duration(10-i) * time.Hour) // old3 is the newest
		if err := os.Chtimes(d, at, at); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := profileRunDir("example.com/m")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != root {
		t.Fatalf("run dir %s not under %s", dir, root)
	}
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := map[string]bool{filepath.Base(dir): true, "run-old3": true, "run-old2": true}
	if len(names) != keepRuns {
		t.Fatalf("kept %v, want %d runs", names, keepRuns)
	}
	for _, n := range names {
		if !want[n] {
			t.Errorf("kept %s; want the new run and the two newest old ones", n)
		}
	}
}

// TestProfileRunDirWithoutCache: with GOCAP_CACHE=off the kept profiles go
// under $TMPDIR/gocap-pprof, a folder that says whose it is.
func TestProfileRunDirWithoutCache(t *testing.T) {
	t.Setenv("GOCAP_CACHE", "off")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir, err := profileRunDir("example.com/m")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(tmp, "gocap-pprof", "example.com_m"); filepath.Dir(dir) != want {
		t.Fatalf("run dir %s, want it under %s", dir, want)
	}
}
