//go:build linux

package atomicfile

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRegularFileIsReplacedAtomically: a regular file is replaced by a new
// inode (temp file + rename) and no temp file stays behind.
func TestRegularFileIsReplacedAtomically(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := inode(t, p)
	if err := Write(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Fatalf("content %q", b)
	}
	if inode(t, p) == before {
		t.Error("the file was rewritten in place, not renamed over")
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("folder holds %d entries, want only r.json", len(es))
	}
}

// TestFIFOStaysAFIFO: --out onto a named pipe writes into the pipe (a reader
// gets the bytes) and the pipe is still a pipe afterwards.
func TestFIFOStaysAFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe")
	if err := unix.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(p) // blocks until the writer opens
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		_ = f.Close()
		got <- string(b)
	}()
	if err := Write(p, []byte(`{"report":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// Checked before waiting for the reader, which never returns when
	// the pipe was replaced.
	if st, err := os.Lstat(p); err != nil || st.Mode().Type() != fs.ModeNamedPipe {
		t.Fatalf("after the write %s is %v (%v), want a FIFO", p, st.Mode(), err)
	}
	if s := <-got; s != `{"report":1}` {
		t.Errorf("reader got %q", s)
	}
}

// TestCharDeviceStaysADevice: a character device made in a temp folder
// (the null device's numbers, 1:3, never /dev/null itself) is written
// through and stays the same device; nothing is created beside it.
func TestCharDeviceStaysADevice(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "null")
	if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatalf("mknod (gocap's tests run as root): %v", err)
	}
	if err := Write(p, []byte("discarded"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Type() != fs.ModeDevice|fs.ModeCharDevice {
		t.Fatalf("after the write %s is %v, want a character device", p, st.Mode())
	}
	if rdev := st.Sys().(*syscall.Stat_t).Rdev; unix.Major(rdev) != 1 || unix.Minor(rdev) != 3 {
		t.Errorf("device is %d:%d, want 1:3", unix.Major(rdev), unix.Minor(rdev))
	}
	// Through a symlink too: the link and the device both stay.
	link := filepath.Join(dir, "out.json")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if lst, _ := os.Lstat(link); lst.Mode().Type() != fs.ModeSymlink {
		t.Errorf("the symlink became %v", lst.Mode())
	}
	if st, _ := os.Lstat(p); st.Mode().Type() != fs.ModeDevice|fs.ModeCharDevice {
		t.Errorf("the device behind the link became %v", st.Mode())
	}
	if es, _ := os.ReadDir(dir); len(es) != 2 {
		t.Errorf("folder holds %d entries, want the device and the link", len(es))
	}
}

// TestSymlinkToRegularFile: the file the link points to is replaced, the
// link stays a link.
func TestSymlinkToRegularFile(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if lst, _ := os.Lstat(link); lst.Mode().Type() != fs.ModeSymlink {
		t.Errorf("the link became %v", lst.Mode())
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("target holds %q", b)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "missing"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := Write(dangling, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "symlink to a missing file") {
		t.Errorf("dangling link: %v", err)
	}
}

// TestDevStdout writes to /dev/stdout in a child process whose stdout is a
// pipe, then one whose stdout is a regular file opened for append (>>): the
// bytes arrive and the file keeps what it had.
func TestDevStdout(t *testing.T) {
	if os.Getenv("ATOMICFILE_CHILD") == "1" {
		// /dev/stdout is the machine's: should resolve ever choose
		// rename for it, refuse rather than replace it.
		if _, through, _, err := resolve("/dev/stdout"); err != nil || !through {
			_, _ = os.Stderr.WriteString("resolve would not write /dev/stdout through")
			os.Exit(4)
		}
		if err := Write("/dev/stdout", []byte("via /dev/stdout\n"), 0o644); err != nil {
			_, _ = os.Stderr.WriteString(err.Error())
			os.Exit(3)
		}
		os.Exit(0)
	}
	child := func() *exec.Cmd {
		c := exec.Command(os.Args[0], "-test.run=^TestDevStdout$")
		c.Env = append(os.Environ(), "ATOMICFILE_CHILD=1")
		return c
	}
	out, err := child().Output()
	if err != nil || string(out) != "via /dev/stdout\n" {
		t.Fatalf("stdout a pipe: %q, %v", out, err)
	}
	p := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(p, []byte("before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := inode(t, p)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := child()
	var stderr strings.Builder
	c.Stdout, c.Stderr = f, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("stdout a file: %v %s", err, stderr.String())
	}
	_ = f.Close()
	if b, _ := os.ReadFile(p); string(b) != "before\nvia /dev/stdout\n" {
		t.Errorf("stdout a file (>>): it holds %q", b)
	}
	if inode(t, p) != before {
		t.Error("the file behind /dev/stdout was replaced")
	}
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}
