package ebpfprobe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocap/gocap/internal/ebpftestlock"
)

// TestMain lets the test binary act as an unprivileged helper: with
// GOCAP_EBPF_HELPER set it runs one probe and prints its error.
func TestMain(m *testing.M) {
	if what := os.Getenv("GOCAP_EBPF_HELPER"); what != "" {
		var err error
		switch what {
		case "tcp":
			_, err = TraceTCP(context.Background(), TCPOptions{}, func(Conn) {})
		case "policy":
			_, err = NewPolicy(nil, false)
		case "load":
			_, err = Inspect("tcp.o", nil)
		case "doctor":
			if err := json.NewEncoder(os.Stdout).Encode(Doctor(context.Background())); err != nil {
				fmt.Println("OTHER:", err)
				os.Exit(1)
			}
			os.Exit(0)
		case "connect":
			// Used by TestPolicyCgroup: connect to each address in
			// GOCAP_EBPF_TARGETS, print ok or the error.
			for _, a := range strings.Fields(os.Getenv("GOCAP_EBPF_TARGETS")) {
				c, err := net.DialTimeout("tcp", a, time.Second)
				if err != nil {
					fmt.Println(a, "error:", err)
					continue
				}
				if err := c.Close(); err != nil {
					fmt.Println(a, "error:", err)
					continue
				}
				fmt.Println(a, "ok")
			}
			os.Exit(0)
		}
		var pe *PermissionError
		if errors.As(err, &pe) {
			fmt.Println("PERM:", pe.Error())
			os.Exit(0)
		}
		fmt.Println("OTHER:", err)
		os.Exit(1)
	}
	// The leak checks count programs kernel-wide: hold a lock so the other
	// eBPF test binary (cmd/gocap/internal/ebpfcmd) never runs alongside.
	// Without the lock the leak checks could count the other binary's
	// programs and pass or fail for the wrong reason: refuse to run.
	unlock, err := ebpftestlock.Lock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ebpfprobe tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	unlock()
	removeAllocProg()
	removeGCProg()
	os.Exit(code)
}

// unprivilegedHelper copies this test binary (and tcp.o) where user nobody
// can run it and returns a command running it as nobody with
// GOCAP_EBPF_HELPER=what.
func unprivilegedHelper(t *testing.T, what string) *exec.Cmd {
	t.Helper()
	dir := nobodyDir(t)
	cmd := exec.Command(filepath.Join(dir, "probe.test"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOCAP_EBPF_HELPER="+what)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	return cmd
}

// TestDoctorUnprivileged runs the doctor as user nobody: it says once that
// privileges are missing, with the fix, and blames neither the kernel's
// configuration nor its filesystems for what only privileges prevent.
func TestDoctorUnprivileged(t *testing.T) {
	out, err := unprivilegedHelper(t, "doctor").Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var r DoctorReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	fixes := 0
	for _, it := range r.Items {
		t.Logf("%-13s %-38s %-11s %s | %s", it.Area, it.Name, it.Status, it.Detail, it.Fix)
		if strings.Contains(it.Fix, "setcap") {
			fixes++
		}
		text := it.Detail + " " + it.Fix
		if it.Area == "privileges" {
			text = ""
		}
		for _, wrong := range []string{"CONFIG_", "Linux ≥", "mount cgroup2", "not mounted", "mount tracefs", "MEMLOCK", "no BPF trampolines"} {
			if strings.Contains(text, wrong) {
				t.Errorf("%s: says %q, but only privileges are missing: %s", it.Name, wrong, text)
			}
		}
		if it.Area == "program types" || it.Area == "map types" || it.Area == "attach" {
			if it.Status != StatusSkipped {
				t.Errorf("%s: %s, want skipped (not testable without privileges)", it.Name, it.Status)
			}
		}
	}
	if fixes != 1 {
		t.Errorf("the privileges fix is given %d times, want once", fixes)
	}
	if r.OK() {
		t.Error("OK() without privileges")
	}
}

// nobodyDir is a folder user nobody can reach, holding a copy of this test
// binary (probe.test) and tcp.o; removed when the test ends.
func nobodyDir(t *testing.T) string {
	t.Helper()
	// User nobody must reach the copied test binary, so it lives in a folder
	// of its own directly under /tmp: t.TempDir may sit below a private
	// folder (go test puts it under GOTMPDIR when that is set, as gocap's
	// race leg does).
	dir, err := os.MkdirTemp("/tmp", "gocap-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing %s: %v", dir, err)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	obj, err := os.ReadFile(tcpObject)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tcp.o"), obj, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "probe.test")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(dst, src)
	_ = src.Close() // read-only
	if err := errors.Join(err, dst.Close()); err != nil {
		t.Fatalf("copying the test binary: %v", err)
	}
	return dir
}

// TestUnprivileged runs the probes as user nobody: each fails with one
// PermissionError naming what is missing, before touching the kernel.
func TestUnprivileged(t *testing.T) {
	for what, want := range map[string]string{"tcp": "missing CAP_BPF, CAP_PERFMON", "policy": "missing CAP_BPF, CAP_NET_ADMIN", "load": "missing CAP_BPF, CAP_PERFMON"} {
		out, err := unprivilegedHelper(t, what).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v: %s", what, err, out)
			continue
		}
		if !strings.HasPrefix(string(out), "PERM: "+want) {
			t.Errorf("%s: %q, want PERM: %s", what, out, want)
		}
	}
}
