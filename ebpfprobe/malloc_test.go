package ebpfprobe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	allocProgOnce sync.Once
	allocProgPath string
	allocProgErr  error
)

// removeAllocProg removes the folder buildAllocProg made (TestMain calls it
// after the tests, so no gocap-allocprog-* folder stays behind in /tmp).
func removeAllocProg() {
	if allocProgPath == "" {
		return
	}
	if err := os.RemoveAll(filepath.Dir(allocProgPath)); err != nil {
		fmt.Fprintln(os.Stderr, "removing the allocprog build:", err)
	}
}

// buildAllocProg builds testdata/allocprog once per test binary.
func buildAllocProg(t testing.TB) string {
	t.Helper()
	allocProgOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gocap-allocprog-")
		if err != nil {
			allocProgErr = err
			return
		}
		allocProgPath = filepath.Join(dir, "allocprog")
		out, err := exec.Command("go", "build", "-o", allocProgPath, "./testdata/allocprog").CombinedOutput()
		if err != nil {
			allocProgErr = errors.New(string(out))
		}
	})
	if allocProgErr != nil {
		t.Fatalf("building allocprog: %v", allocProgErr)
	}
	return allocProgPath
}

func TestTraceMallocCommand(t *testing.T) {
	prog := buildAllocProg(t)
	const n = 20000
	noLeak(t, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out strings.Builder
		res, err := TraceMalloc(ctx, MallocOptions{Cmd: []string{prog, "-n", "20000"}, Stdout: &out, SampleBytes: 64 << 10})
		if err != nil {
			t.Fatalf("TraceMalloc: %v", err)
		}
		if !strings.HasPrefix(out.String(), "done") {
			t.Errorf("program output %q", out.String())
		}
		if res.Count < n {
			t.Errorf("counted %d allocations, want ≥ %d", res.Count, n)
		}
		if res.Bytes < n*4096 {
			t.Errorf("counted %d bytes, want ≥ %d", res.Bytes, n*4096)
		}
		// 4096 falls in slot log2(4096)+1 = 13: [4096, 8192).
		if len(res.SizeHist) <= 13 || res.SizeHist[13] < n {
			t.Errorf("size histogram slot [4096,8192): %v, want ≥ %d", res.SizeHist, n)
		}
		if len(res.Sites) == 0 {
			t.Fatal("no allocation sites")
		}
		top := res.Sites[0]
		if top.Function != "main.allocPages" || !strings.HasSuffix(top.File, "allocprog/main.go") || top.Line == 0 {
			t.Errorf("top site %s %s:%d, want main.allocPages in allocprog/main.go; all: %+v", top.Function, top.File, top.Line, res.Sites)
		}
		if share := float64(top.Bytes) / float64(res.SampleBytes*res.Samples); share < 0.5 {
			t.Errorf("top site has %.0f%% of sampled bytes, want most", share*100)
		}
		if res.Lost != 0 {
			t.Errorf("lost %d samples", res.Lost)
		}
	})
}

func TestTraceMallocRejectsNonGo(t *testing.T) {
	for _, path := range []string{"/bin/true", "testdata/reject.c"} {
		_, err := TraceMalloc(context.Background(), MallocOptions{Exe: path})
		if !errors.Is(err, ErrNotGo) {
			t.Errorf("%s: err %v, want ErrNotGo", path, err)
		}
	}
}

// TestTraceMallocPID attaches to a running process by pid for a while.
func TestTraceMallocPID(t *testing.T) {
	prog := buildAllocProg(t)
	cmd := exec.Command(prog, "-n", "2000", "-loop", "20s")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The program is killed at the end: its exit status is moot.
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	noLeak(t, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
		defer cancel()
		res, err := TraceMalloc(ctx, MallocOptions{PID: cmd.Process.Pid, SampleBytes: 64 << 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Count < 1000 || res.PerSecond <= 0 || res.PID != cmd.Process.Pid {
			t.Errorf("count %d rate %.0f pid %d", res.Count, res.PerSecond, res.PID)
		}
		if len(res.Sites) == 0 || res.Sites[0].Function != "main.allocPages" {
			t.Errorf("sites %+v", res.Sites)
		}
	})
}

// TestTraceMallocCommandCancel: Ctrl-C (ctx) kills the started command and
// returns what was counted; a failing command's exit status is kept.
func TestTraceMallocCommandCancel(t *testing.T) {
	prog := buildAllocProg(t)
	noLeak(t, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		res, err := TraceMalloc(ctx, MallocOptions{Cmd: []string{prog, "-n", "1000", "-loop", "30s"}})
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 5*time.Second || res.Count == 0 {
			t.Errorf("took %v, counted %d", time.Since(start), res.Count)
		}
		res, err = TraceMalloc(context.Background(), MallocOptions{Cmd: []string{prog, "-no-such-flag"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != 2 {
			t.Errorf("exit code %d, want 2 (flag error)", res.ExitCode)
		}
	})
}
