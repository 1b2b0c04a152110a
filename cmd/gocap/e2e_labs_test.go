package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/ebpftestlock"
)

// interrupt starts the built gocap with args (env added to its
// environment), waits until ready(stderr so far) holds, sends SIGINT and
// returns the exit code and all of stderr. A command that never gets ready,
// or does not end after the interrupt, fails the test (the guard timer only
// keeps a broken build from hanging it).
func interrupt(t *testing.T, bin string, env []string, stdin string, ready func(stderr string) bool, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	var mu sync.Mutex
	var stderr strings.Builder
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return stderr.Write(b)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	guard := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer guard.Stop()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
wait:
	for {
		mu.Lock()
		ok := ready(stderr.String())
		mu.Unlock()
		select {
		case err = <-done:
			t.Fatalf("%v ended before it was ready: %v\n%s", args, err, stderr.String())
		default:
		}
		if ok {
			break wait
		}
		time.Sleep(20 * time.Millisecond) // polling for readiness, not timing anything
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = <-done
	mu.Lock()
	defer mu.Unlock()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode(), stderr.String()
	}
	t.Fatalf("%v: %v (killed by a signal or the guard)\n%s", args, err, stderr.String())
	return -1, ""
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func says(s string) func(string) bool {
	return func(stderr string) bool { return strings.Contains(stderr, s) }
}

// TestInterruptRule: Ctrl-C ends a command that runs until stopped (mtls
// serve, ebpf tcp/malloc/policy, wasm plugin --watch) cleanly with exit 0 and leaves
// nothing behind; it ends a command with work left to do (mtls bench) with
// exit 3 and "gocap: interrupted" (README, "Interrupting a command").
func TestInterruptRule(t *testing.T) {
	bin := buildGocap(t)
	dir := t.TempDir()

	t.Run("mtls serve", func(t *testing.T) {
		sock := filepath.Join(dir, "serve", "api.sock")
		code, errOut := interrupt(t, bin, nil, "", says("Workload API listening"), "mtls", "serve", "--socket", sock)
		if code != 0 || strings.Contains(errOut, "interrupted") {
			t.Errorf("exit %d\n%s", code, errOut)
		}
		if _, err := os.Stat(sock); !os.IsNotExist(err) {
			t.Errorf("socket left behind: %v", err)
		}
	})
	t.Run("wasm plugin --watch", func(t *testing.T) {
		mod, _ := filepath.Abs("../../wasmrun/internal/samples/plugin.wasm")
		code, errOut := interrupt(t, bin, nil, `{"a": 1}`, says("watching"), "wasm", "plugin", "--watch", "--cache-dir", filepath.Join(dir, "cache"), "--call", "compact", mod)
		if code != 0 || strings.Contains(errOut, "interrupted") {
			t.Errorf("exit %d\n%s", code, errOut)
		}
	})
	t.Run("ebpf tcp", func(t *testing.T) {
		unlock, err := ebpftestlock.Lock()
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		before, err := ebpfprobe.CountPrograms()
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"ebpf", "tcp"},
			{"ebpf", "malloc", "--exe", bin},
			{"ebpf", "policy", "--deny", "192.0.2.0/24", "--iface", "lo"},
		} {
			code, errOut := interrupt(t, bin, nil, "", says("Ctrl-C to stop"), args...)
			if code != 0 || strings.Contains(errOut, "interrupted") {
				t.Errorf("%v: exit %d\n%s", args, code, errOut)
			}
		}
		if after, err := ebpfprobe.CountPrograms(); err != nil || after != before {
			t.Errorf("kernel programs %d before, %d after (%v)", before, after, err)
		}
	})
	t.Run("mtls bench", func(t *testing.T) {
		// Ready once the embedded issuer's socket exists in the bench's work folder.
		tmp := filepath.Join(dir, "benchtmp")
		if err := os.Mkdir(tmp, 0o700); err != nil {
			t.Fatal(err)
		}
		listening := func(string) bool {
			m, _ := filepath.Glob(filepath.Join(tmp, "gocap-mtls-bench-*", "api.sock"))
			return len(m) > 0
		}
		code, errOut := interrupt(t, bin, []string{"TMPDIR=" + tmp}, "", listening, "mtls", "bench", "--duration", "10m", "--rate", "20")
		if code != 3 || !strings.Contains(errOut, "gocap: interrupted") {
			t.Errorf("exit %d, want 3 and gocap: interrupted\n%s", code, errOut)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("bench left %s behind", left[0].Name())
		}
	})
}

// TestDoctorAsNobody runs the built `gocap ebpf doctor` as user nobody: it
// says once which privileges are missing, with the fix, blames no kernel
// option or mount, and exits 2.
func TestDoctorAsNobody(t *testing.T) {
	bin := buildGocap(t)
	// nobody must reach the binary: a folder of its own directly under /tmp
	// (t.TempDir may sit below a private GOTMPDIR).
	dir, err := os.MkdirTemp("/tmp", "gocap-doctor-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	nb := filepath.Join(dir, "gocap")
	if err := os.WriteFile(nb, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nb, "ebpf", "doctor")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("exit: %v, want 2\n%s%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if n := strings.Count(out, "setcap"); n != 1 {
		t.Errorf("the fix is given %d times, want once:\n%s", n, out)
	}
	for _, wrong := range []string{"CONFIG_BPF_EVENTS", "Linux ≥ 6.6", "mount cgroup2", "tracefs is not mounted", "MEMLOCK"} {
		if strings.Contains(out, wrong) {
			t.Errorf("says %q, but only privileges are missing:\n%s", wrong, out)
		}
	}
	if !strings.Contains(out, "CAP_BPF") || !strings.Contains(stderr.String(), "gocap: ebpf doctor: run without CAP_BPF") {
		t.Errorf("the missing privileges are not named:\n%s%s", out, stderr.String())
	}
}
