package ebpfcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/ebpftestlock"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
)

// TestMain holds the lock that keeps gocap's two eBPF test binaries apart:
// their leak checks count kernel programs machine-wide.
func TestMain(m *testing.M) {
	// Without the lock the leak checks could count the other binary's
	// programs and pass or fail for the wrong reason: refuse to run.
	unlock, err := ebpftestlock.Lock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ebpfcmd tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	unlock()
	os.Exit(code)
}

// run executes `gocap ebpf ARGS` and returns stdout, stderr and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmd(ios, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return cmdutil.Usagef("%v", err) })
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString(cmdutil.Message(err))
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

// leakFree asserts the kernel holds as many programs after fn as before.
func leakFree(t *testing.T, fn func()) {
	t.Helper()
	before, err := ebpfprobe.CountPrograms()
	if err != nil {
		t.Fatal(err)
	}
	fn()
	after, err := ebpfprobe.CountPrograms()
	if err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Errorf("kernel programs %d before, %d after", before, after)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{"tcp", "--port", "70000"},
		{"tcp", "--duration", "-1s"},
		{"tcp", "extra"},
		{"malloc"},
		{"malloc", "--exe", "/bin/true", "--pid", "1"},
		{"malloc", "--exe", "/nonexistent/prog"},
		{"malloc", "--exe", "/bin/true"}, // not a Go binary
		{"malloc", "--pid", "999999999"},
		{"malloc", "--top", "0", "--exe", "/bin/true"},
		{"malloc", "prog"},
		{"malloc", "--", "/nonexistent"},
		{"malloc", "--", "no-such-command-gocap"},
		{"malloc", "--", "/etc"},
		{"policy"},
		{"policy", "--deny", "10.0.0.0/8"},
		{"policy", "--deny", "10.0.0.0/33", "--iface", "lo"},
		{"policy", "--deny", "fd00::/64:80", "--iface", "lo"},
		{"policy", "--deny", "10.0.0.0/8", "--iface", "nosuchif0"},
		{"policy", "--deny", "10.0.0.0/8", "--iface", "lo", "--cgroup", "/sys/fs/cgroup"},
		{"policy", "--deny", "10.0.0.0/8", "--iface", "lo", "--direction", "sideways"},
		{"policy", "--demo", "--deny", "10.0.0.0/8"},
		{"policy", "--deny", "10.0.0.0/8", "--cgroup", "/nonexistent"},
		{"load"},
		{"load", "/nonexistent.o"},
		{"load", "../../../../ebpfprobe/testdata/reject.c"},
		{"load", "../../../../ebpfprobe/internal/bpf/tcp_x86_bpfel.o", "--check-struct", "bogus"},
	}
	for _, args := range cases {
		_, errOut, code := run(t, args...)
		if code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 0 || !strings.HasPrefix(errOut, "gocap: ") {
			t.Errorf("%v: want one error line, got %q", args, errOut)
		}
	}
}

func TestParseOnly(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *MallocOptions
	cmd := NewMallocCmd(ios, func(_ context.Context, o *MallocOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--sample-bytes", "4096", "--", "/bin/echo", "-n", "hi"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Cmd, " ") != "/bin/echo -n hi" || got.SampleBytes != 4096 || got.Top != 10 {
		t.Errorf("options %+v", got)
	}
	var pol *PolicyOptions
	pc := NewPolicyCmd(ios, func(_ context.Context, o *PolicyOptions) error { pol = o; return nil })
	pc.SetArgs([]string{"--deny", "10.0.0.0/8:443", "--deny", "[fd00::/64]:80", "--allow", "10.1.0.0/16", "--iface", "lo", "--direction", "both"})
	if err := pc.Execute(); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, r := range pol.Rules {
		texts = append(texts, r.String())
	}
	if strings.Join(texts, ",") != "deny 10.0.0.0/8:443,deny [fd00::/64]:80,allow 10.1.0.0/16" {
		t.Errorf("rules %v", texts)
	}
}

func TestDoctorCommand(t *testing.T) {
	leakFree(t, func() {
		out, errOut, code := run(t, "doctor", "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var r ebpfprobe.DoctorReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if !r.OK() || len(r.Items) < 10 {
			t.Errorf("doctor report %+v", r)
		}
		out, _, _ = run(t, "doctor")
		for _, want := range []string{"attach", "ok   uprobe runtime.mallocgc", "n/a  kprobe", "n/a  fentry", "note:"} {
			if !strings.Contains(out, want) {
				t.Errorf("doctor output lacks %q:\n%s", want, out)
			}
		}
	})
}

// TestTCPCommand: the command prints the test's own connection, a
// histogram and a heatmap.
func TestTCPCommand(t *testing.T) {
	leakFree(t, func() {
		ln := serve(t, "tcp4", "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		ios, _, out, _ := iostreams.Test()
		o := &TCPOptions{IO: ios, Duration: 1500 * time.Millisecond, Port: port, Ready: func() {
			go func() {
				for i := 0; i < 5; i++ {
					if c, err := net.Dial("tcp4", ln.Addr().String()); err == nil {
						_ = c.Close() // the traced events are the connect and the close, not its error
					}
				}
			}()
		}}
		if err := RunTCP(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		for _, want := range []string{"127.0.0.1:" + itoa(port), "usecs", "distribution", "heatmap", "10 connections"} {
			if !strings.Contains(s, want) {
				t.Errorf("output lacks %q:\n%s", want, s)
			}
		}
	})
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestLoadCommand(t *testing.T) {
	leakFree(t, func() {
		out, errOut, code := run(t, "load", "../../../../ebpfprobe/testdata/reject.o")
		if code != cmdutil.ExitGate || !strings.Contains(out, "map_value_or_null") || !strings.HasPrefix(errOut, "gocap: ebpf load: the verifier rejected program ") {
			t.Errorf("reject.o: exit %d\n%s\n%s", code, out, errOut)
		}
		out, errOut, code = run(t, "load", "../../../../ebpfprobe/internal/bpf/tcp_x86_bpfel.o")
		if code != 0 || !strings.Contains(out, "inet_sock_set_state") || !strings.Contains(out, "unloaded") {
			t.Errorf("tcp object: exit %d\n%s\n%s", code, out, errOut)
		}
		fitsWidth(t, "load", out, 80) // the test streams are 80 columns wide
		dir := t.TempDir()
		data, err := os.ReadFile("../../../../ebpfprobe/internal/bpf/tcp_x86_bpfel.o")
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(dir, "cut.o")
		if err := os.WriteFile(cut, data[:100], 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code = run(t, "load", cut)
		if code != cmdutil.ExitUsage || !strings.Contains(errOut, "not a valid eBPF object") {
			t.Errorf("truncated: exit %d %s", code, errOut)
		}
	})
}

func TestPolicyDemoCommand(t *testing.T) {
	leakFree(t, func() {
		out, errOut, code := run(t, "policy", "--demo")
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, errOut, out)
		}
		if strings.Count(out, "as expected") != 4 || !strings.Contains(out, "removed gocap-a-") {
			t.Errorf("demo output:\n%s", out)
		}
		fitsWidth(t, "policy --demo", out, 80)
	})
}

func TestRenderHist(t *testing.T) {
	var b bytes.Buffer
	slots := make([]uint64, 8)
	slots[0], slots[3] = 2, 4 // 0->1: 2, 8->15: 4
	printLog2Hist(errwriter.New(&b), "usecs", slots)
	want := "         0 -> 1          : 2        |********************                    |"
	if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "         8 -> 15         : 4        |****************************************|") {
		t.Errorf("histogram:\n%s", b.String())
	}
	if log2Slot(0) != 0 || log2Slot(1) != 0 || log2Slot(2) != 1 || log2Slot(15) != 3 || log2Slot(16) != 4 {
		t.Error("log2Slot differs from bcc's buckets")
	}
}

// TestTCPCommandJSON: --json streams one object per connection.
func TestTCPCommandJSON(t *testing.T) {
	ln := serve(t, "tcp6", "[::1]:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ios, _, out, _ := iostreams.Test()
	o := &TCPOptions{IO: ios, JSON: true, Duration: time.Second, Port: port, PID: os.Getpid(), Ready: func() {
		go func() {
			if c, err := net.Dial("tcp6", ln.Addr().String()); err == nil {
				_ = c.Close() // the traced events are the connect and the close, not its error
			}
		}()
	}}
	if err := RunTCP(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	active := 0
	for _, l := range lines {
		var c ebpfprobe.Conn
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if c.Active && c.Remote.Port() == uint16(port) && c.Family == 6 && c.Latency > 0 {
			active++
		}
	}
	if active != 1 {
		t.Errorf("want 1 active IPv6 connection to port %d, got output:\n%s", port, out.String())
	}
}

// serve listens on addr and accepts and closes connections until the test ends.
func serve(t *testing.T, network, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ln.Close(); err != nil {
			t.Error(err)
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close() // the server only accepts; a close error tells the test nothing
		}
	}()
	return ln
}
