package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenManPages: a page per command, in roff, naming the command and its
// flags; `man -l` (when the man command is here) renders gocap-check.1.
func TestGenManPages(t *testing.T) {
	dir := t.TempDir()
	if err := gen(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"gocap.1", "gocap-check.1", "gocap-run.1", "gocap-report-render.1", "gocap-ebpf-doctor.1", "gocap-wasm-run.1", "gocap-mtls-serve.1"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("no man page %s: %v", name, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "gocap-check.1"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{`.TH "GOCAP" "1"`, ".SH NAME", "gocap-check", `\fB--checks\fP`, `\fB--fail-on\fP`, ".SH SEE ALSO"} {
		if !strings.Contains(page, want) {
			t.Errorf("gocap-check.1 lacks %q", want)
		}
	}
	if man, err := exec.LookPath("man"); err == nil {
		cmd := exec.Command(man, "-l", filepath.Join(dir, "gocap-check.1"))
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80")
		out, err := cmd.Output()
		if err != nil || !strings.Contains(string(out), "gocap check") {
			t.Errorf("man -l gocap-check.1: %v\n%.500s", err, out)
		}
	}
}
