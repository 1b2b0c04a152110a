// Package errs plants error-handling defects.
package errs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotFound is wrapped by find.
var ErrNotFound = errors.New("not found")

func find(key string) error {
	return fmt.Errorf("find %q: %w", key, ErrNotFound)
}

// IsMissing compares a wrapped error with ==.
func IsMissing(key string) bool {
	return find(key) == ErrNotFound // want "errorlint/comparison: comparing with == will fail on wrapped errors"
}

// Cleanup drops the error of os.Remove.
func Cleanup(path string) {
	os.Remove(path) // want "errcheck: error returned by os.Remove is not checked"
}

// PathOf type-asserts an error.
func PathOf(err error) string {
	if pe, ok := err.(*fs.PathError); ok { // want "errorlint/assertion: type assertion on error will fail on wrapped errors"
		return pe.Path
	}
	return ""
}

// Wrap formats an error with %v.
func Wrap(err error) error {
	return fmt.Errorf("op: %v", err) // want "errorlint/errorf: non-wrapping format verb for fmt.Errorf"
}

// Kind switches on an error value.
func Kind(key string) string {
	switch find(key) {
	case ErrNotFound: // want "errorlint/switch: switch on an error will fail on wrapped errors"
		return "missing"
	}
	return "other"
}

// Fine handles errors the way the practice says: no findings.
func Fine(key string) (string, error) {
	if err := find(key); errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("fine: %w", err)
	}
	var pe *fs.PathError
	if errors.As(os.Remove(key), &pe) {
		return pe.Path, nil
	}
	_ = os.Remove(key) // a deliberate, visible decision
	return key, nil
}
