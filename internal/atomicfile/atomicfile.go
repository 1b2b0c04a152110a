// Package atomicfile writes files so that readers never see a half-written one.
package atomicfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes data to path atomically: a temp file in the same folder, fsync,
// then rename over path. On error path is left untouched.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteFrom(path, bytes.NewReader(data), perm)
}

// WriteFunc renders into a temp file with fn and renames it over path when fn
// succeeds.
func WriteFunc(path string, perm os.FileMode, fn func(w io.Writer) error) (err error) {
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

// WriteFrom copies r into path atomically.
func WriteFrom(path string, r io.Reader, perm os.FileMode) error {
	return WriteFunc(path, perm, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
}
