package errorswrap

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
)

func TestMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(p)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load(missing) = %v: want an error that errors.Is ErrNotFound", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load(missing) = %v: the cause is lost, errors.Is(err, fs.ErrNotExist) is false: wrap with %%w", err)
	}
	if got := FailedPath(err); got != p {
		t.Fatalf("FailedPath = %q, want %q: find the *fs.PathError with errors.As", got, p)
	}
}

func TestOtherError(t *testing.T) {
	dir := t.TempDir() // reading a folder fails with "is a directory"
	_, err := Load(dir)
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Fatalf("Load(folder) = %v: the *fs.PathError is lost: wrap with %%w", err)
	}
	if got := FailedPath(fmt.Errorf("startup: %w", err)); got != dir {
		t.Fatalf("FailedPath of a wrapped error = %q, want %q", got, dir)
	}
}

func TestDefault(t *testing.T) {
	b, err := LoadOrDefault(filepath.Join(t.TempDir(), "none.yaml"))
	if err != nil || string(b) != Default {
		t.Fatalf("LoadOrDefault(missing) = %q, %v; want the default", b, err)
	}
}
