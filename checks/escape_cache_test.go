package checks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
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

// TestBenchBinaryLinkedOnce: the benchmark binary is built in gocap's cache
// and copied beside the run's profiles; a second run of an unchanged package
// finds the cached binary up to date (the go command does not link it again:
// a link would rename a new file into place), and gets a copy of its own; an
// edited package is linked again. Without a cache it is built in place.
func TestBenchBinaryLinkedOnce(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("GOCAP_CACHE", cache)
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS("testdata/clean")); err != nil {
		t.Fatal(err)
	}
	env := &Env{Dir: root, Module: "example.com/clean", Patterns: []string{"./calc"}, GoTmp: t.TempDir()}
	pkgs, err := env.Packages(context.Background())
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("packages: %v %v", pkgs, err)
	}
	build := func() (string, os.FileInfo) {
		t.Helper()
		dir := t.TempDir()
		bin, err := buildBenchBinary(context.Background(), env, pkgs[0], dir)
		if err != nil || bin != filepath.Join(dir, "calc.test") {
			t.Fatalf("buildBenchBinary = %q, %v", bin, err)
		}
		sum := sha256.Sum256([]byte(env.Dir))
		cached, err := os.Stat(filepath.Join(cache, "testbin", "example.com_clean-"+hex.EncodeToString(sum[:6]), "example.com_clean_calc", "calc.test"))
		if err != nil {
			t.Fatalf("no binary in the cache: %v", err)
		}
		return bin, cached
	}
	bin1, c1 := build()
	bin2, c2 := build()
	if !os.SameFile(c1, c2) {
		t.Error("an unchanged package was linked again")
	}
	b1, err1 := os.ReadFile(bin1)
	b2, err2 := os.ReadFile(bin2)
	st2, _ := os.Stat(bin2)
	if err1 != nil || err2 != nil || !bytes.Equal(b1, b2) || os.SameFile(st2, c2) || st2.Mode()&0o100 == 0 {
		t.Fatalf("the runs' copies: %v %v, equal %v, same file as the cache %v, mode %v", err1, err2, bytes.Equal(b1, b2), os.SameFile(st2, c2), st2.Mode())
	}
	out, err := exec.Command(bin2, "-test.run=^$", "-test.bench=.", "-test.benchtime=1x").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("the copy does not run: %v\n%s", err, out)
	}
	f, err := os.OpenFile(filepath.Join(root, "calc", "calc.go"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\nfunc Edited() int { return 1 }\n"); err != nil || f.Close() != nil {
		t.Fatal(err)
	}
	_, c3 := build()
	if os.SameFile(c2, c3) {
		t.Error("an edited package was not linked again")
	}

	// A second checkout of the same module, with other code, gets its own
	// binary (the workshop grades a starter and a solution side by side).
	other := t.TempDir()
	if err := os.CopyFS(other, os.DirFS(root)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "calc", "other.go"), []byte("package calc\n\nfunc Other() int { return 2 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env2 := &Env{Dir: other, Module: "example.com/clean", Patterns: []string{"./calc"}, GoTmp: t.TempDir()}
	pkgs2, err := env2.Packages(context.Background())
	if err != nil || len(pkgs2) != 1 {
		t.Fatalf("packages: %v %v", pkgs2, err)
	}
	bin3, err := buildBenchBinary(context.Background(), env2, pkgs2[0], t.TempDir())
	if err != nil || bin3 == "" {
		t.Fatalf("the other checkout: %q, %v", bin3, err)
	}
	_, c4 := build()
	if !os.SameFile(c4, c3) {
		t.Error("building another checkout replaced this checkout's cached binary")
	}
	b3, _ := os.ReadFile(bin3)
	sum2 := sha256.Sum256([]byte(other))
	b4, _ := os.ReadFile(filepath.Join(cache, "testbin", "example.com_clean-"+hex.EncodeToString(sum2[:6]), "example.com_clean_calc", "calc.test"))
	if len(b3) == 0 || !bytes.Equal(b3, b4) {
		t.Fatalf("the other checkout's copy is not its own cached binary (%d, %d bytes)", len(b3), len(b4))
	}
	if b2, _ := os.ReadFile(bin2); bytes.Equal(b2, b3) {
		t.Error("two checkouts with different code got the same binary")
	}

	t.Setenv("GOCAP_CACHE", "off")
	dir := t.TempDir()
	if bin, err := buildBenchBinary(context.Background(), env, pkgs[0], dir); err != nil || bin != filepath.Join(dir, "calc.test") {
		t.Fatalf("without a cache: %q, %v", bin, err)
	}
}
