package mtls

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

// TestOtherUser: the socket's folder is 0700, so a process of another user
// cannot even connect; once the folder is opened up (by hand, for this
// test) the other user is attested by its own uid and gets only its entry.
// The test binary re-runs itself as uid/gid 65534 (nobody) in
// TestHelperOtherUser.
func TestOtherUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("switching to another uid needs root (CI runs as root)")
	}
	// Every folder above the socket's own is 0755, so only Listen's 0700 stands in the way.
	dir, err := os.MkdirTemp("", "gocap-otheruid-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	}()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	entries := append(DefaultEntries(tdExample, 0), mustEntries(t, Entry{SPIFFEID: "spiffe://example.org/nobody", Selectors: []string{"unix:uid:65534"}})...)
	sock := filepath.Join(dir, "sock", "api.sock")
	srv, err := Listen(ServerConfig{CA: newCA(t, "example.org"), Entries: entries, SVIDTTL: time.Hour, Socket: sock})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Workload API server: %v", err)
		}
	}()
	// nobody must be able to execute the test binary.
	bin := filepath.Join(dir, "mtls.test")
	copyFile(t, os.Args[0], bin)
	asNobody := func() string {
		cmd := exec.CommandContext(ctx, bin, "-test.run=^TestHelperOtherUser$", "-test.v")
		cmd.Env = append(os.Environ(), "GOCAP_MTLS_HELPER_ADDR="+srv.Addr())
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helper: %v\n%s", err, out)
		}
		t.Logf("%s", out)
		return string(out)
	}
	if out := asNobody(); !strings.Contains(out, "helper: uid 65534: error:") || !strings.Contains(out, "permission denied") || !strings.Contains(out, "gocap mtls serve") {
		t.Errorf("another user reached the 0700 socket folder, or got an unclear error:\n%s", out)
	}
	for p, mode := range map[string]os.FileMode{filepath.Dir(sock): 0o755, sock: 0o777} {
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	if out := asNobody(); !strings.Contains(out, "helper: uid 65534: svids [spiffe://example.org/nobody]") {
		t.Errorf("uid 65534 not attested to its own entry only:\n%s", out)
	}
}

func mustEntries(t *testing.T, es ...Entry) []Entry {
	t.Helper()
	out, err := ValidateEntries(es, tdExample)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHelperOtherUser is run by TestOtherUserCannotReachSocket in a child
// process; on its own it has nothing to do.
func TestHelperOtherUser(t *testing.T) {
	addr := os.Getenv("GOCAP_MTLS_HELPER_ADDR")
	if addr == "" {
		return
	}
	if err := CheckAddr(addr); err != nil {
		fmt.Printf("helper: uid %d: error: %v\n", os.Getuid(), err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	svids, err := workloadapi.FetchX509SVIDs(ctx, workloadapi.WithAddr(addr))
	if err != nil {
		fmt.Printf("helper: uid %d: error: %v\n", os.Getuid(), err)
		return
	}
	var ids []string
	for _, sv := range svids {
		ids = append(ids, sv.ID.String())
	}
	fmt.Printf("helper: uid %d: svids %v\n", os.Getuid(), ids)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Close() }() // read-only
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
