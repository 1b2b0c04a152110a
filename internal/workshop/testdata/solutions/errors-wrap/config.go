// Package errorswrap loads configuration files.
package errorswrap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotFound says the configuration file does not exist.
var ErrNotFound = errors.New("config not found")

// Default is the configuration used when there is no file.
const Default = "level: info\n"

// Load reads the configuration at path. A missing file is ErrNotFound; every
// error keeps the underlying cause (an *fs.PathError) for callers to inspect.
func Load(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	return b, nil
}

// LoadOrDefault is Load, with Default when the file does not exist.
func LoadOrDefault(path string) ([]byte, error) {
	b, err := Load(path)
	if errors.Is(err, ErrNotFound) {
		return []byte(Default), nil
	}
	return b, err
}

// FailedPath returns the file an error is about, or "".
func FailedPath(err error) string {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Path
	}
	return ""
}
