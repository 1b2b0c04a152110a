package rootfs

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

func newFS(t *testing.T) (*FS, string) {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "outside.txt"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("close root: %v", err)
		}
	})
	return f, root
}

func TestReadWriteOps(t *testing.T) {
	f, root := newFS(t)
	if e := f.Mkdir("/d", 0o755); e != 0 {
		t.Fatalf("mkdir: %v", e)
	}
	w, e := f.OpenFile("/d/a.txt", experimentalsys.O_RDWR|experimentalsys.O_CREAT|experimentalsys.O_TRUNC, 0o644)
	if e != 0 {
		t.Fatalf("create: %v", e)
	}
	if n, e := w.Write([]byte("hello world")); e != 0 || n != 11 {
		t.Fatalf("write %d %v", n, e)
	}
	if e := w.Truncate(5); e != 0 {
		t.Fatalf("truncate: %v", e)
	}
	if off, e := w.Seek(0, io.SeekStart); e != 0 || off != 0 {
		t.Fatalf("seek %d %v", off, e)
	}
	buf := make([]byte, 16)
	if n, e := w.Read(buf); e != 0 || string(buf[:n]) != "hello" {
		t.Fatalf("read %q %v", buf[:n], e)
	}
	if e := w.Sync(); e != 0 {
		t.Fatalf("sync: %v", e)
	}
	if e := w.Utimens(1e9, experimentalsys.UTIME_OMIT); e != 0 {
		t.Fatalf("utimens: %v", e)
	}
	if e := w.Close(); e != 0 {
		t.Fatalf("close: %v", e)
	}
	if st, err := os.Stat(filepath.Join(root, "d", "a.txt")); err != nil || st.ModTime().Unix() < 2 {
		t.Fatalf("after utimens with mtime omitted: %v %v", st, err)
	}
	if e := f.Utimens("/d/a.txt", 2e9, 3e9); e != 0 {
		t.Fatalf("utimens path: %v", e)
	}
	if st, _ := os.Stat(filepath.Join(root, "d", "a.txt")); st.ModTime().Unix() != 3 {
		t.Errorf("mtime %v, want 3s after the epoch", st.ModTime())
	}
	if e := f.Rename("/d/a.txt", "/d/b.txt"); e != 0 {
		t.Fatalf("rename: %v", e)
	}
	d, e := f.OpenFile("/d", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
	if e != 0 {
		t.Fatalf("open dir: %v", e)
	}
	ents, e := d.Readdir(-1)
	if e != 0 || len(ents) != 1 || ents[0].Name != "b.txt" {
		t.Fatalf("readdir %v %v", ents, e)
	}
	if _, e := d.Seek(0, io.SeekStart); e != 0 {
		t.Fatalf("rewind dir: %v", e)
	}
	if ents, _ := d.Readdir(-1); len(ents) != 1 {
		t.Fatalf("readdir after rewind: %v", ents)
	}
	if e := d.Close(); e != 0 {
		t.Fatalf("close dir: %v", e)
	}
	if e := f.Rmdir("/d"); e != experimentalsys.ENOTEMPTY {
		t.Errorf("rmdir non-empty: %v", e)
	}
	if e := f.Unlink("/d"); e != experimentalsys.EISDIR {
		t.Errorf("unlink dir: %v", e)
	}
	if e := f.Unlink("/d/b.txt"); e != 0 {
		t.Fatalf("unlink: %v", e)
	}
	if e := f.Rmdir("/d"); e != 0 {
		t.Fatalf("rmdir: %v", e)
	}
	if _, e := f.Stat("/d"); e != experimentalsys.ENOENT {
		t.Errorf("stat removed dir: %v", e)
	}
}

func TestEscapesRefused(t *testing.T) {
	f, root := newFS(t)
	if err := os.Symlink(filepath.Join(root, "..", "outside.txt"), filepath.Join(root, "abs")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside.txt", filepath.Join(root, "rel")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"abs", "/rel", "../outside.txt", "/x/../../outside.txt"} {
		if _, e := f.OpenFile(p, experimentalsys.O_RDONLY, 0); e == 0 {
			t.Errorf("open %s: allowed, want refused", p)
		}
		if _, e := f.OpenFile(p, experimentalsys.O_WRONLY|experimentalsys.O_TRUNC, 0); e == 0 {
			t.Errorf("open %s for write: allowed", p)
		}
		if _, e := f.Stat(p); e == 0 {
			t.Errorf("stat %s: allowed", p)
		}
	}
	// A guest-made symlink to outside cannot be followed either.
	if e := f.Symlink("/etc/passwd", "/mine"); e != 0 {
		t.Fatalf("symlink: %v", e)
	}
	if _, e := f.OpenFile("/mine", experimentalsys.O_RDONLY, 0); e == 0 {
		t.Error("guest symlink to /etc/passwd followed")
	}
	if _, e := f.OpenFile("/rel", experimentalsys.O_RDONLY|experimentalsys.O_NOFOLLOW, 0); e != experimentalsys.ELOOP {
		t.Errorf("O_NOFOLLOW on a symlink: %v, want ELOOP", e)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "..", "outside.txt")); string(b) != "outside" {
		t.Errorf("outside file changed: %q", b)
	}
}
