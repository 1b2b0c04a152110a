package cmdutil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gocap/gocap/internal/atomicfile"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/reports"
)

// OutputSpec says where each format goes.
type OutputSpec struct {
	Formats []string
	// Out is empty (stdout), a folder (one file per format, report.EXT), a
	// file path (only with one format), or a list FORMAT=PATH,… giving each
	// format its own file (formats not listed go to stdout).
	Out string
	// Paths is Out parsed when it is a FORMAT=PATH list (set by Validate).
	Paths map[string]string
}

// ParseFormats splits a comma list and validates every name (usage error).
func ParseFormats(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" || seen[f] {
			continue
		}
		if err := reports.CheckFormat(f); err != nil {
			return nil, Usagef("--format: %v", err)
		}
		seen[f] = true
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, Usagef("--format is empty: use one of %s", strings.Join(reports.FormatNames(), ", "))
	}
	return out, nil
}

// parsePaths reads FORMAT=PATH,… into Paths and adds the formats it names.
func (o *OutputSpec) parsePaths() error {
	o.Paths = map[string]string{}
	for _, part := range strings.Split(o.Out, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f, p, ok := strings.Cut(part, "=")
		if !ok || f == "" || p == "" {
			return Usagef("--out %q: give FORMAT=PATH pairs separated by commas (html=report.html,sarif=report.sarif), or one path", part)
		}
		if err := reports.CheckFormat(f); err != nil {
			return Usagef("--out %s: %v", part, err)
		}
		if _, dup := o.Paths[f]; dup {
			return Usagef("--out: format %s is given two paths", f)
		}
		o.Paths[f] = p
		if !slices.Contains(o.Formats, f) {
			o.Formats = append(o.Formats, f)
		}
	}
	return nil
}

// Validate checks the out paths before any work starts: every folder must
// exist (a folder for several formats is created) and be writable.
func (o *OutputSpec) Validate() error {
	if o.Out == "" {
		return nil
	}
	if strings.Contains(o.Out, "=") {
		if err := o.parsePaths(); err != nil {
			return err
		}
		var fs []string
		for f := range o.Paths {
			fs = append(fs, f)
		}
		sort.Strings(fs)
		for _, f := range fs {
			if err := checkFilePath(o.Paths[f]); err != nil {
				return err
			}
		}
		return nil
	}
	if st, err := os.Stat(o.Out); err == nil && st.IsDir() {
		return checkWritable(o.Out, o.Out)
	}
	if len(o.Formats) > 1 || strings.HasSuffix(o.Out, "/") {
		if st, err := os.Stat(o.Out); err == nil && !st.IsDir() {
			return Usagef("--out %s is a file, but %d formats need a folder: give a folder or FORMAT=PATH pairs (%s)", o.Out, len(o.Formats), pairsExample(o.Formats))
		}
		if base := filepath.Base(o.Out); !strings.HasSuffix(o.Out, "/") && strings.Contains(strings.TrimLeft(base, "."), ".") {
			// r.json reads as a file: making a folder of that name would
			// only surprise.
			return Usagef("--out %s names a file, but %d formats (%s) need a folder or one path each: give a folder (%s/) or FORMAT=PATH pairs (%s)",
				o.Out, len(o.Formats), strings.Join(o.Formats, ","), o.Out, pairsExample(o.Formats))
		}
		if err := os.MkdirAll(o.Out, 0o755); err != nil {
			return Usagef("--out %s: cannot create the folder (%v): choose another path", o.Out, cause(err))
		}
		return checkWritable(o.Out, o.Out)
	}
	return checkFilePath(o.Out)
}

// pairsExample shows FORMAT=PATH pairs for formats: json=report.json,….
func pairsExample(formats []string) string {
	var ps []string
	for _, f := range formats {
		ps = append(ps, f+"=report."+reports.FormatExt(f))
	}
	return strings.Join(ps, ",")
}

func checkFilePath(p string) error {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return Usagef("--out %s is a folder: give a file path", p)
	}
	if !atomicfile.IsRegularOrNew(p) {
		// A device, a FIFO, /dev/stdout: written through, nothing is
		// created beside it.
		return nil
	}
	dir := filepath.Dir(p)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return Usagef("--out %s: folder %s does not exist: create it or choose another path", p, dir)
	}
	return checkWritable(p, dir)
}

// checkWritable tries a file in dir, the folder out (the --out value) writes to.
func checkWritable(out, dir string) error {
	f, err := os.CreateTemp(dir, ".gocap-write-test-*")
	if err != nil {
		return Usagef("--out %s: cannot write in folder %s (%v): choose another path", out, dir, cause(err))
	}
	if err := errors.Join(f.Close(), os.Remove(f.Name())); err != nil {
		return Usagef("--out %s: cannot write in folder %s (%v): choose another path", out, dir, err)
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

// Dir returns the output folder when Out names one (artifacts such as raw
// profiles go there), else "".
func (o OutputSpec) Dir() string {
	if o.Out == "" || o.Paths != nil || strings.Contains(o.Out, "=") {
		return ""
	}
	if IsDir(o.Out) {
		return o.Out
	}
	return ""
}

// Write renders the report in every format: to stdout, or atomically into
// files. It returns the paths written.
func (o OutputSpec) Write(ios *iostreams.IOStreams, r *reports.Report, ro reports.RenderOptions) ([]string, error) {
	var written []string
	for _, f := range o.Formats {
		path := ""
		switch {
		case o.Paths != nil:
			path = o.Paths[f]
		case o.Out == "":
		case IsDir(o.Out):
			path = filepath.Join(o.Out, "report."+reports.FormatExt(f))
		default:
			path = o.Out
		}
		if path == "" {
			var buf bytes.Buffer
			if err := reports.Render(&buf, r, f, ro); err != nil {
				return written, fmt.Errorf("render %s: %w", f, err)
			}
			if _, err := io.Copy(ios.Out, &buf); err != nil {
				return written, err
			}
			continue
		}
		fro := ro
		fro.Color = false
		if err := atomicfile.WriteFunc(path, 0o644, func(w io.Writer) error { return reports.Render(w, r, f, fro) }); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// ReadInput reads the file a command was given; its errors are usage
// errors saying what is wrong with path (missing, a folder, unreadable) and
// what to give instead (want, e.g. "a .wasm module").
func ReadInput(path, want string) ([]byte, error) {
	if err := CheckInput(path, want); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, Usagef("%s: cannot read it (%v): give %s", path, cause(err), want)
	}
	return b, nil
}

// CheckInput is ReadInput without the reading: path must be a file.
func CheckInput(path, want string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Usagef("%s: no such file: give %s", path, want)
	case err != nil:
		return Usagef("%s: cannot read it (%v): give %s", path, cause(err), want)
	case st.IsDir():
		return Usagef("%s is a folder: give %s", path, want)
	}
	return nil
}
