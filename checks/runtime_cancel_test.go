//go:build linux

package checks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestRaceCancelKillsTestBinary cancels a check while a test hangs and
// checks that the test binary (a grandchild of gocap) is gone too, and that
// that no work folder of the go command (which cannot remove it when killed)
// is left in GOTMPDIR.
func TestRaceCancelKillsTestBinary(t *testing.T) {
	dir := t.TempDir()
	gotmp := t.TempDir()
	t.Setenv("GOTMPDIR", gotmp)
	pidFile := filepath.Join(dir, "pid")
	writeFixture(t, dir, "go.mod", "module example.com/hang\n\ngo 1.26\n")
	writeFixture(t, dir, "hang.go", "package hang\n")
	writeFixture(t, dir, "hang_test.go", `package hang

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func TestHang(t *testing.T) {
	os.WriteFile(`+strconv.Quote(pidFile)+`, []byte(strconv.Itoa(os.Getpid())), 0o644)
	time.Sleep(time.Hour)
}
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pid := 0
	go func() {
		for ctx.Err() == nil {
			if b, err := os.ReadFile(pidFile); err == nil && len(b) > 0 {
				pid, _ = strconv.Atoi(string(b))
				cancel()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	_, err := Run(ctx, Options{Dir: dir, Checks: testChecks, Only: []string{"race"}, Timeout: 10 * time.Minute})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run error = %v, want context.Canceled", err)
	}
	if pid == 0 {
		t.Fatal("the test never started")
	}
	for i := 0; i < 50 && alive(pid); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL) // best effort: do not leave it hanging; the test fails either way
		t.Fatalf("test binary %d still runs after cancel", pid)
	}
	if left, _ := os.ReadDir(gotmp); len(left) > 0 {
		t.Errorf("%d folders left in GOTMPDIR after cancel, e.g. %s", len(left), left[0].Name())
	}
}
