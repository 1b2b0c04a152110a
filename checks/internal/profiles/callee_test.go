package profiles

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestCalleesTellAllocationsApart builds testdata/alloc, whose line 26
// boxes a struct, concatenates, appends and boxes an int, runs its
// benchmarks with every allocation sampled and checks that the line's own
// allocations are split by the runtime function the return address of each
// sample called; line 27, boxing an int below 256, allocates nothing. Log
// (lines 37-38) writes to a buffer it was given through an io.Writer, whose
// growth is not its, and to a buffer of its own, whose growth is.
func TestCalleesTellAllocationsApart(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("Callees decodes ELF calls on amd64 and arm64; this test runs on linux/amd64 here and in CI")
	}
	dir := t.TempDir()
	bin, mem := filepath.Join(dir, "alloc.test"), filepath.Join(dir, "mem.pprof")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Dir = "testdata/alloc"
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c: %v\n%s", err, out)
	}
	run := exec.Command(bin, "-test.run=^$", "-test.bench=.", "-test.benchtime=2000x", "-test.memprofile="+mem, "-test.memprofilerate=1")
	run.Dir = "testdata/alloc"
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("benchmark: %v\n%s", err, out)
	}
	p, err := Load(mem)
	if err != nil {
		t.Fatal(err)
	}
	c, err := OpenCallees(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wd, _ := os.Getwd()
	root := filepath.Join(wd, "testdata", "alloc") + string(filepath.Separator)
	own := func(fr Frame) bool { return strings.HasPrefix(fr.File, root) }
	site := func(fr Frame) bool { return !strings.HasSuffix(fr.File, "_test.go") }
	under := func(bench string) func(frs []Frame) bool {
		return func(frs []Frame) bool {
			for _, fr := range frs {
				if fr.Func == "alloc."+bench {
					return true
				}
			}
			return false
		}
	}
	total, logLines, err := AllocLines(p, under("BenchmarkLog"), own, site, c.Callee)
	if err != nil {
		t.Fatal(err)
	}
	var gotLog []string
	for _, l := range logLines {
		gotLog = append(gotLog, fmt.Sprintf("%d via %v", l.Line, l.Via))
	}
	if len(logLines) != 1 || logLines[0].Line != 38 || logLines[0].Via["bytes.(*Buffer).Write"] == 0 || total.Objects <= logLines[0].Objects {
		t.Errorf("BenchmarkLog lines = %v (of %d objects), want only 38 via bytes.(*Buffer).Write, 37's in the total", gotLog, total.Objects)
	}
	_, lines, err := AllocLines(p, under("BenchmarkWork"), own, site, c.Callee)
	if err != nil {
		t.Fatal(err)
	}
	var line *Alloc
	for i := range lines {
		switch lines[i].Line {
		case 26:
			line = &lines[i]
		case 27:
			t.Errorf("alloc.go:27 allocates %+v: an int below 256 boxed", lines[i])
		}
	}
	if line == nil {
		t.Fatalf("no allocations at alloc.go:26 in %+v", lines)
	}
	for _, want := range []string{"runtime.convT", "runtime.concatstring2", "runtime.growslice", "runtime.convT64"} {
		if line.Via[want] == 0 {
			t.Errorf("alloc.go:26 via = %v: nothing via %s", line.Via, want)
		}
	}
	if line.Via[Self] != 0 {
		t.Errorf("alloc.go:26 via = %v: %d objects not told apart", line.Via, line.Via[Self])
	}
	// Families: what an escape's message says it allocates.
	for msg, want := range map[string]string{
		"levelColor escapes to heap":                        "runtime.convT64",
		"append(c.commands, x) escapes to heap":             "runtime.growslice",
		"moved to heap: buf":                                "runtime.newobject",
		`a + " - " + b escapes to heap`:                     "runtime.concatstring3",
		"make([]byte, n) escapes to heap":                   "runtime.makeslice",
		"make(Fields, len(entry.Data) + 4) escapes to heap": "runtime.makemap",
		"&T{...} escapes to heap":                           "runtime.newobject",
		"foo(a + b) escapes to heap":                        "",
		"header.Title escapes to heap":                      "runtime.convTstring",
		"parameter x leaks to {heap} with derefs=0":         "",
	} {
		got := Allocators(msg)
		if (want == "") != (got == nil) || want != "" && !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("Allocators(%q) = %v, want it to hold %q", msg, got, want)
		}
	}
}
