// Package spiretest starts a real SPIRE server and agent (v1.13.3) for
// tests: a minimal config in a temp dir (sqlite datastore, join_token node
// attestation, unix workload attestor) and registration entries for the
// test's uid. The binaries come from $GOCAP_SPIRE_DIR (default
// /var/cache/gocap/spire-v1.13.3, built by `make spire`); when they are
// missing the test fails, it never skips.
package spiretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

// DefaultDir is where `make spire` puts the binaries.
const DefaultDir = "/var/cache/gocap/spire-v1.13.3"

// SPIRE is a running SPIRE server and agent started by a test.
type SPIRE struct {
	dir, bin    string
	serverSock  string
	agentSock   string
	trustDomain string
}

// Start starts spire-server and spire-agent v1.13.3 from
// $GOCAP_SPIRE_DIR (default /var/cache/gocap/spire-v1.13.3) with a minimal
// config in a temp dir (sqlite, join_token, unix workload attestor), creates
// an entry per id for this test's uid and waits until the agent serves all
// of them. Both processes are killed (process group) when the test ends.
func Start(t testing.TB, ids ...string) *SPIRE {
	t.Helper()
	return StartWithTTL(t, 0, ids...)
}

// StartWithTTL is Start with entries whose X509-SVIDs live ttl (whole
// seconds; 0 keeps SPIRE's default of 1h), so the agent rotates them during
// a test.
func StartWithTTL(t testing.TB, ttl time.Duration, ids ...string) *SPIRE {
	t.Helper()
	bin := os.Getenv("GOCAP_SPIRE_DIR")
	if bin == "" {
		bin = DefaultDir
	}
	for _, b := range []string{"spire-server", "spire-agent"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			t.Fatalf("SPIRE v1.13.3 binary %s missing in %s (GOCAP_SPIRE_DIR): run `make spire` to build them", b, bin)
		}
	}
	// Unix socket paths are limited to 108 bytes: keep the folder short.
	dir, err := os.MkdirTemp("", "spire")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing the SPIRE folder: %v", err)
		}
	})
	s := &SPIRE{dir: dir, bin: bin, serverSock: filepath.Join(dir, "server.sock"), agentSock: filepath.Join(dir, "agent.sock"), trustDomain: "example.org"}
	port := freePort(t)
	serverConf := fmt.Sprintf(`server {
  bind_address = "127.0.0.1"
  bind_port = "%d"
  socket_path = "%s"
  trust_domain = "%s"
  data_dir = "%s/server-data"
  log_level = "INFO"
}
plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "%s/server-data/datastore.sqlite3"
    }
  }
  KeyManager "memory" { plugin_data {} }
  NodeAttestor "join_token" { plugin_data {} }
}
`, port, s.serverSock, s.trustDomain, dir, dir)
	agentConf := fmt.Sprintf(`agent {
  data_dir = "%s/agent-data"
  server_address = "127.0.0.1"
  server_port = "%d"
  socket_path = "%s"
  trust_domain = "%s"
  insecure_bootstrap = true
  log_level = "INFO"
}
plugins {
  NodeAttestor "join_token" { plugin_data {} }
  KeyManager "memory" { plugin_data {} }
  WorkloadAttestor "unix" { plugin_data {} }
}
`, dir, port, s.agentSock, s.trustDomain)
	for name, c := range map[string]string{"server.conf": serverConf, "agent.conf": agentConf} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.start(t, "server.log", "spire-server", "run", "-config", filepath.Join(dir, "server.conf"))
	s.poll(t, 60*time.Second, "spire-server healthy", func() error {
		_, err := s.run("spire-server", "healthcheck", "-socketPath", s.serverSock)
		return err
	})
	out, err := s.run("spire-server", "token", "generate", "-socketPath", s.serverSock, "-spiffeID", "spiffe://"+s.trustDomain+"/node")
	if err != nil {
		t.Fatalf("token generate: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Token:\s*(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no token in %q", out)
	}
	for _, id := range ids {
		args := []string{"entry", "create", "-socketPath", s.serverSock,
			"-parentID", "spiffe://" + s.trustDomain + "/node", "-spiffeID", id,
			"-selector", "unix:uid:" + strconv.Itoa(os.Getuid())}
		if ttl > 0 {
			args = append(args, "-x509SVIDTTL", strconv.Itoa(int(ttl.Seconds())))
		}
		if out, err := s.run("spire-server", args...); err != nil {
			t.Fatalf("entry create %s: %v\n%s", id, err, out)
		}
	}
	s.start(t, "agent.log", "spire-agent", "run", "-config", filepath.Join(dir, "agent.conf"), "-joinToken", m[1])
	// Healthy is not "SVID ready": poll until every entry's SVID is served.
	s.poll(t, 90*time.Second, "agent serving SVIDs for "+strings.Join(ids, ", "), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		svids, err := workloadapi.FetchX509SVIDs(ctx, workloadapi.WithAddr(s.Addr()))
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, sv := range svids {
			have[sv.ID.String()] = true
		}
		for _, id := range ids {
			if !have[id] {
				return fmt.Errorf("no SVID yet for %s", id)
			}
		}
		return nil
	})
	return s
}

// Addr is the agent's Workload API address (unix:///...).
func (s *SPIRE) Addr() string { return "unix://" + s.agentSock }

// AgentAPI runs `spire-agent api ARGS -socketPath AGENT-SOCKET` (for
// example "fetch", "x509", "-write", dir) and returns its output.
func (s *SPIRE) AgentAPI(args ...string) (string, error) {
	return s.run("spire-agent", append(append([]string{"api"}, args...), "-socketPath", s.agentSock)...)
}

func (s *SPIRE) run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...).CombinedOutput()
	return string(out), err
}

// start runs a long-lived SPIRE process in its own process group, logging
// into the temp dir, and kills the group when the test ends.
func (s *SPIRE) start(t testing.TB, log, name string, args ...string) {
	t.Helper()
	lf, err := os.Create(filepath.Join(s.dir, log))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	// The process is killed in the cleanup, so its exit status is moot; an
	// early death shows in its log, printed when the test failed.
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Errorf("stopping %s: %v", name, err)
		}
		<-exited
		if err := lf.Close(); err != nil {
			t.Errorf("%s log: %v", name, err)
		}
		if t.Failed() {
			b, _ := os.ReadFile(lf.Name())
			t.Logf("%s log tail:\n%s", name, tail(b, 3000))
		}
	})
}

func (s *SPIRE) poll(t testing.TB, max time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(max)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil { // the port must be free for the server
		t.Fatal(err)
	}
	return port
}
