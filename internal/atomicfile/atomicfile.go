// Package atomicfile writes files so that readers never see a half-written one.
//
// Only regular files are written atomically (a temp file in the same folder,
// fsync, rename). Anything else is written through: a character device
// (/dev/null, a terminal), a FIFO, a socket, /dev/stdout and the
// /proc/self/fd links behind it. Renaming a temp file over such a path
// would replace it with a regular file: as root, `--out /dev/null` would
// destroy /dev/null for the whole machine. A symlink to a regular file is
// followed: the file it points to is replaced, the link stays.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Write writes data to path (atomically when path is or will be a regular
// file). On error a regular file at path is left untouched.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteFrom(path, bytes.NewReader(data), perm)
}

// WriteFunc renders into path with fn. For a regular file (or a path that
// does not exist yet) it renders into a temp file and renames it over path
// when fn succeeds; for anything else (see the package doc) fn writes
// straight into the opened path.
func WriteFunc(path string, perm os.FileMode, fn func(w io.Writer) error) error {
	target, through, appendMode, err := resolve(path)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if through {
		return writeThrough(path, appendMode, fn)
	}
	return writeAtomic(target, perm, fn)
}

// resolve says where and how path is written: through (not a regular file,
// or a regular file reached through a /proc or /dev/fd descriptor link, as
// /dev/stdout is when stdout is redirected to a file: then in append mode, so
// that `>>` keeps what was there), or atomically at target (path itself, or
// the regular file its symlinks lead to).
func resolve(path string) (target string, through, appendMode bool, err error) {
	st, err := os.Stat(path) // follows links, /proc's magic ones included
	if errors.Is(err, fs.ErrNotExist) {
		if lst, lerr := os.Lstat(path); lerr == nil && lst.Mode()&fs.ModeSymlink != 0 {
			// A dangling symlink: rename would replace the link itself.
			return "", false, false, fmt.Errorf("it is a symlink to a missing file: create the target or give another path")
		}
		return path, false, false, nil
	}
	if err != nil {
		return "", false, false, err
	}
	if !st.Mode().IsRegular() {
		if st.IsDir() {
			return "", false, false, fmt.Errorf("it is a folder: give a file path")
		}
		return path, true, false, nil
	}
	lst, err := os.Lstat(path)
	if err != nil {
		return "", false, false, err
	}
	if lst.Mode()&fs.ModeSymlink == 0 {
		return path, false, false, nil
	}
	if descriptorLink(path) {
		return path, true, true, nil
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", false, false, err
	}
	return real, false, false, nil
}

// descriptorLink reports whether following path's symlinks passes through
// /proc or /dev/fd, whose links name open descriptors, not files to replace.
func descriptorLink(path string) bool {
	p := path
	for range 40 { // the kernel's own limit on nested links
		abs, err := filepath.Abs(p)
		if err != nil {
			return false
		}
		if abs == "/proc" || strings.HasPrefix(abs, "/proc/") || strings.HasPrefix(abs, "/dev/fd/") {
			return true
		}
		l, err := os.Readlink(abs)
		if err != nil {
			return false // not a link: the end of the chain
		}
		if !filepath.IsAbs(l) {
			l = filepath.Join(filepath.Dir(abs), l)
		}
		p = l
	}
	return false
}

// writeThrough opens path as it is (no create, no truncate for a device or
// FIFO) and lets fn write into it.
func writeThrough(path string, appendMode bool, fn func(w io.Writer) error) error {
	flag := os.O_WRONLY
	if appendMode {
		flag |= os.O_APPEND
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, cause(err))
	}
	if err := fn(f); err != nil {
		_ = f.Close() // fn's error is the one to report
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, cause(err))
	}
	return nil
}

func writeAtomic(path string, perm os.FileMode, fn func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w (check the folder exists and is writable)", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close() // the temp file is discarded: its close error (or "already closed") changes nothing
			if rerr := os.Remove(tmp); rerr != nil {
				err = fmt.Errorf("%w (and the temp file %s stays behind: %w)", err, tmp, rerr)
			}
		}
	}()
	if err = fn(f); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// cause drops the path from a *fs.PathError, which the message already names.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// WriteFrom copies r into path (atomically for a regular file).
func WriteFrom(path string, r io.Reader, perm os.FileMode) error {
	return WriteFunc(path, perm, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
}

// IsRegularOrNew reports whether path is a regular file (after symlinks) or
// does not exist: the paths WriteFunc writes atomically, which need a
// writable folder beside them.
func IsRegularOrNew(path string) bool {
	st, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist) || (err == nil && st.Mode().IsRegular())
}
