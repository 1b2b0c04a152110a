package cmdutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputValidateMessages: a bad --out is a usage error whose one line
// names the value and the fix, without gocap's own probe file names.
func TestOutputValidateMessages(t *testing.T) {
	file := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		spec    OutputSpec
		want    string
		wantErr bool
	}{
		// /proc takes no new files, even for root.
		{"unwritable folder", OutputSpec{Out: "/proc/gocap-r.json", Formats: []string{"json"}}, "--out /proc/gocap-r.json: cannot write in folder /proc (", true},
		{"file for several formats", OutputSpec{Out: file, Formats: []string{"json", "md"}}, "--out " + file + " is a file, but 2 formats need a folder", true},
		{"missing folder", OutputSpec{Out: "/nonexistent/r.json", Formats: []string{"json"}}, "folder /nonexistent does not exist", true},
		{"ok", OutputSpec{Out: file, Formats: []string{"json"}}, "", false},
	}
	for _, c := range cases {
		err := c.spec.Validate()
		if !c.wantErr {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), ".gocap-write-test") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one usage line containing %q", c.name, err, c.want)
		}
	}
}

func TestReadInputMessages(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadInput(f, "a .wasm module"); err != nil || string(b) != "x" {
		t.Fatalf("ReadInput(file) = %q, %v", b, err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "nope.wasm"): "nope.wasm: no such file: give a .wasm module",
		dir:                             dir + " is a folder: give a .wasm module",
	} {
		_, err := ReadInput(path, "a .wasm module")
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadInput(%s) = %v, want a usage error containing %q", path, err, want)
		}
	}
}
