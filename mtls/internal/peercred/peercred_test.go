package peercred

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/gocap/gocap/internal/testclose"
)

func TestReadOwnCredentials(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "listener", l)
	go func() {
		c, err := net.Dial("unix", sock)
		if err == nil {
			// Wait for the server side to close; that ends the read, which
			// is all it is for.
			_, _ = c.Read(make([]byte, 1))
			_ = c.Close()
		}
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "connection", c)
	conn, ai, err := New().ServerHandshake(c)
	if err != nil {
		t.Fatal(err)
	}
	got := ai.(AuthInfo)
	if conn != c || got.UID != uint32(os.Getuid()) || got.GID != uint32(os.Getgid()) || got.PID != int32(os.Getpid()) {
		t.Errorf("credentials %+v, want uid %d gid %d pid %d", got, os.Getuid(), os.Getgid(), os.Getpid())
	}
}

func TestReadRefusesNonUnix(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "listener", l)
	go func() {
		if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
			_ = c.Close() // the test judges the server side only
		}
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := New().ServerHandshake(c); err == nil {
		t.Error("TCP peer attested")
	}
}
