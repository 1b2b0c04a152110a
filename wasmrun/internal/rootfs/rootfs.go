// Package rootfs is a wazero filesystem (experimental/sys.FS) backed by an
// *os.Root: every path the guest names is resolved inside the root, so
// neither "../" nor a symlink pointing outside lets the guest out. wazero's
// own directory mounts follow such symlinks; this one refuses them (EPERM).
package rootfs

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

// FS is a read-write filesystem confined to Root. Wrap it in wazero's
// sysfs.ReadFS for a read-only mount.
type FS struct {
	experimentalsys.UnimplementedFS
	Root *os.Root
}

// New opens dir as a confined filesystem. Close the returned root when done.
func New(dir string) (*FS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &FS{Root: r}, nil
}

// String names the mount in wazero's debug output.
func (f *FS) String() string { return "rootfs:" + f.Root.Name() }

// Close releases the root.
func (f *FS) Close() error { return f.Root.Close() }

// clean turns a guest path into a root-relative one ("." for the root).
func clean(p string) string {
	p = strings.TrimLeft(p, "/")
	p = path.Clean(p)
	if p == "" || p == "/" {
		return "."
	}
	return p
}

// errno maps an os error to a WASI errno. os.Root's "path escapes from
// parent" becomes EPERM: the guest asked to leave its mount.
func errno(err error) experimentalsys.Errno {
	if err == nil {
		return 0
	}
	if strings.Contains(err.Error(), "escapes from parent") {
		return experimentalsys.EPERM
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		var se syscall.Errno
		if errors.As(pe.Err, &se) && se == syscall.ELOOP {
			return experimentalsys.ELOOP
		}
	}
	return experimentalsys.UnwrapOSError(err)
}

func osFlags(flag experimentalsys.Oflag) int {
	var f int
	switch flag & (experimentalsys.O_RDONLY | experimentalsys.O_WRONLY | experimentalsys.O_RDWR) {
	case experimentalsys.O_WRONLY:
		f = os.O_WRONLY
	case experimentalsys.O_RDWR:
		f = os.O_RDWR
	default:
		f = os.O_RDONLY
	}
	if flag&experimentalsys.O_APPEND != 0 {
		f |= os.O_APPEND
	}
	if flag&experimentalsys.O_CREAT != 0 {
		f |= os.O_CREATE
	}
	if flag&experimentalsys.O_EXCL != 0 {
		f |= os.O_EXCL
	}
	if flag&experimentalsys.O_TRUNC != 0 {
		f |= os.O_TRUNC
	}
	if flag&experimentalsys.O_SYNC != 0 {
		f |= os.O_SYNC
	}
	return f
}

// OpenFile implements experimentalsys.FS.
func (f *FS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	name := clean(p)
	if flag&experimentalsys.O_NOFOLLOW != 0 {
		if st, err := f.Root.Lstat(name); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			return nil, experimentalsys.ELOOP
		}
	}
	if flag&experimentalsys.O_DIRECTORY != 0 {
		st, err := f.Root.Stat(name)
		if err != nil {
			return nil, errno(err)
		}
		if !st.IsDir() {
			return nil, experimentalsys.ENOTDIR
		}
	}
	var osf *os.File
	oflag := osFlags(flag)
	// Every open, including a directory's reopen on rewind, goes through the root.
	ad := &sysfs.AdaptFS{FS: fsFunc(func(n string) (fs.File, error) {
		of, err := f.Root.OpenFile(n, oflag, perm)
		if err != nil {
			if errno(err) == experimentalsys.EPERM {
				err = &os.PathError{Op: "open", Path: n, Err: syscall.EPERM}
			}
			return nil, err
		}
		if osf == nil {
			osf = of
		}
		return of, nil
	})}
	inner, en := ad.OpenFile(name, flag, perm)
	if en != 0 {
		return nil, en
	}
	return &file{File: inner, fs: f, name: name, f: osf, append: flag&experimentalsys.O_APPEND != 0}, 0
}

type fsFunc func(string) (fs.File, error)

func (fn fsFunc) Open(name string) (fs.File, error) { return fn(name) }

// Lstat implements experimentalsys.FS.
func (f *FS) Lstat(p string) (sys.Stat_t, experimentalsys.Errno) {
	st, err := f.Root.Lstat(clean(p))
	if err != nil {
		return sys.Stat_t{}, errno(err)
	}
	return sys.NewStat_t(st), 0
}

// Stat implements experimentalsys.FS.
func (f *FS) Stat(p string) (sys.Stat_t, experimentalsys.Errno) {
	st, err := f.Root.Stat(clean(p))
	if err != nil {
		return sys.Stat_t{}, errno(err)
	}
	return sys.NewStat_t(st), 0
}

// Readlink implements experimentalsys.FS. The target is returned as stored;
// following it still goes through the root.
func (f *FS) Readlink(p string) (string, experimentalsys.Errno) {
	s, err := f.Root.Readlink(clean(p))
	return s, errno(err)
}

// Mkdir implements experimentalsys.FS.
func (f *FS) Mkdir(p string, perm fs.FileMode) experimentalsys.Errno {
	return errno(f.Root.Mkdir(clean(p), perm))
}

// Chmod implements experimentalsys.FS.
func (f *FS) Chmod(p string, perm fs.FileMode) experimentalsys.Errno {
	return errno(f.Root.Chmod(clean(p), perm))
}

// Rename implements experimentalsys.FS.
func (f *FS) Rename(from, to string) experimentalsys.Errno {
	return errno(f.Root.Rename(clean(from), clean(to)))
}

// Rmdir implements experimentalsys.FS.
func (f *FS) Rmdir(p string) experimentalsys.Errno {
	name := clean(p)
	st, err := f.Root.Lstat(name)
	if err != nil {
		return errno(err)
	}
	if !st.IsDir() {
		return experimentalsys.ENOTDIR
	}
	return errno(f.Root.Remove(name))
}

// Unlink implements experimentalsys.FS.
func (f *FS) Unlink(p string) experimentalsys.Errno {
	name := clean(p)
	st, err := f.Root.Lstat(name)
	if err != nil {
		return errno(err)
	}
	if st.IsDir() {
		return experimentalsys.EISDIR
	}
	return errno(f.Root.Remove(name))
}

// Link implements experimentalsys.FS.
func (f *FS) Link(oldPath, newPath string) experimentalsys.Errno {
	return errno(f.Root.Link(clean(oldPath), clean(newPath)))
}

// Symlink implements experimentalsys.FS. A link may point anywhere, but
// opening it later resolves inside the root only.
func (f *FS) Symlink(oldPath, linkName string) experimentalsys.Errno {
	return errno(f.Root.Symlink(oldPath, clean(linkName)))
}

// Utimens implements experimentalsys.FS.
func (f *FS) Utimens(p string, atim, mtim int64) experimentalsys.Errno {
	return f.utimens(clean(p), atim, mtim)
}

func (f *FS) utimens(name string, atim, mtim int64) experimentalsys.Errno {
	if atim == experimentalsys.UTIME_OMIT || mtim == experimentalsys.UTIME_OMIT {
		st, err := f.Root.Stat(name)
		if err != nil {
			return errno(err)
		}
		s := sys.NewStat_t(st)
		if atim == experimentalsys.UTIME_OMIT {
			atim = s.Atim
		}
		if mtim == experimentalsys.UTIME_OMIT {
			mtim = s.Mtim
		}
	}
	return errno(f.Root.Chtimes(name, time.Unix(0, atim), time.Unix(0, mtim)))
}

// file is an open file or directory of FS. Reads, writes, seeks and
// directory listing are wazero's own fs.File adapter over the *os.File the
// root opened; this type adds what the adapter leaves unimplemented.
type file struct {
	experimentalsys.File
	fs     *FS
	name   string
	f      *os.File
	append bool
}

func (x *file) IsAppend() bool { return x.append }

func (x *file) Truncate(size int64) experimentalsys.Errno {
	if size < 0 {
		return experimentalsys.EINVAL
	}
	return errno(x.f.Truncate(size))
}

func (x *file) Sync() experimentalsys.Errno     { return errno(x.f.Sync()) }
func (x *file) Datasync() experimentalsys.Errno { return errno(x.f.Sync()) }

func (x *file) Utimens(atim, mtim int64) experimentalsys.Errno {
	return x.fs.utimens(x.name, atim, mtim)
}
