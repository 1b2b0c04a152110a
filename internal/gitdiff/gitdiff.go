// Package gitdiff finds the lines changed since a git revision, for
// gocap check --new-from-rev (the same idea as golangci-lint's option).
package gitdiff

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// ErrBadRev is wrapped when the revision does not name a commit.
var ErrBadRev = errors.New("unknown git revision")

// Changes maps a slash-separated path (relative to the folder the diff ran
// in) to its changed line ranges in the current version. A file mapped to a
// nil slice is new as a whole (untracked).
type Changes map[string][]Range

// Range is an inclusive range of line numbers.
type Range struct{ From, To int }

// Contains reports whether line of file changed.
func (c Changes) Contains(file string, line int) bool {
	rs, ok := c[file]
	if !ok {
		return false
	}
	if rs == nil {
		return true // untracked: every line is new
	}
	for _, r := range rs {
		if line >= r.From && line <= r.To {
			return true
		}
	}
	return false
}

// VerifyRev checks that rev names a commit in the repository holding dir.
func VerifyRev(ctx context.Context, dir, rev string) error {
	if strings.HasPrefix(rev, "-") {
		return fmt.Errorf("%w %q: a revision cannot start with '-'", ErrBadRev, rev)
	}
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if _, lerr := exec.LookPath("git"); lerr != nil {
			return fmt.Errorf("%w %q: git is not on PATH", ErrBadRev, rev)
		}
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		if msg == "" {
			msg = "no such commit in the repository of " + dir
		}
		return fmt.Errorf("%w %q: %s", ErrBadRev, rev, msg)
	}
	return nil
}

// Changed runs `git diff -U0 --relative REV -- .` in dir (working tree
// against REV, so uncommitted edits count) plus the untracked files, and
// returns the changed lines.
func Changed(ctx context.Context, dir, rev string) (Changes, error) {
	if err := VerifyRev(ctx, dir, rev); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "git", "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "-U0", "--relative", rev, "--", ".")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return nil, fmt.Errorf("git diff %s: %w: %s", rev, err, msg)
	}
	ch, err := Parse(bytes.NewReader(out))
	if err != nil {
		return nil, err
	}
	cmd = exec.CommandContext(ctx, "git", "-c", "core.quotePath=false", "ls-files", "--others", "--exclude-standard")
	cmd.Dir = dir
	out, err = cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f != "" {
			ch[f] = nil
		}
	}
	return ch, nil
}

var hunk = regexp.MustCompile(`^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@`)

// Parse reads a unified diff with zero context (git diff -U0) and returns
// the added or changed line ranges of each file's new version.
func Parse(r io.Reader) (Changes, error) {
	ch := Changes{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	file := ""
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "+++ "):
			p := strings.TrimPrefix(l, "+++ ")
			if p == "/dev/null" {
				file = "" // deleted file: nothing to keep
				continue
			}
			file = strings.TrimPrefix(p, "b/")
			if _, ok := ch[file]; !ok {
				ch[file] = []Range{}
			}
		case strings.HasPrefix(l, "@@ ") && file != "":
			m := hunk.FindStringSubmatch(l)
			if m == nil {
				return nil, fmt.Errorf("git diff: bad hunk header %q", l)
			}
			start, _ := strconv.Atoi(m[1])
			n := 1
			if m[2] != "" {
				n, _ = strconv.Atoi(m[2])
			}
			if n > 0 {
				ch[file] = append(ch[file], Range{start, start + n - 1})
			}
		}
	}
	return ch, sc.Err()
}
