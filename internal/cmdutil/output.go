package cmdutil

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocap/gocap/internal/atomicfile"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/reports"
)

// OutputSpec says where each format goes.
type OutputSpec struct {
	Formats []string
	// Out is empty (stdout), a folder (one file per format, report.EXT), or a
	// file path (only with one format).
	Out string
}

// ParseFormats splits a comma list and validates every name (usage error).
func ParseFormats(list string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if err := reports.CheckFormat(f); err != nil {
			return nil, Usagef("--format: %v", err)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, Usagef("--format is empty: use one of %s", strings.Join(reports.FormatNames(), ", "))
	}
	return out, nil
}

// Validate checks the out path before any work starts.
func (o OutputSpec) Validate() error {
	if o.Out == "" {
		return nil
	}
	if st, err := os.Stat(o.Out); err == nil && st.IsDir() {
		return checkWritable(o.Out)
	}
	if len(o.Formats) > 1 || strings.HasSuffix(o.Out, "/") {
		if err := os.MkdirAll(o.Out, 0o755); err != nil {
			return Usagef("--out %s: cannot create the folder: %v", o.Out, err)
		}
		return checkWritable(o.Out)
	}
	dir := filepath.Dir(o.Out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return Usagef("--out %s: folder %s does not exist: create it or choose another path", o.Out, dir)
	}
	return checkWritable(dir)
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".gocap-write-test-*")
	if err != nil {
		return Usagef("--out: folder %s is not writable: %v", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// Write renders the report in every format: to stdout when Out is empty, else
// atomically into files. It returns the paths written.
func (o OutputSpec) Write(ios *iostreams.IOStreams, r *reports.Report, root string) ([]string, error) {
	ro := reports.RenderOptions{Color: ios.ColorEnabled(), Width: ios.Width(), Root: root}
	var written []string
	for _, f := range o.Formats {
		if o.Out == "" {
			var buf bytes.Buffer
			if err := reports.Render(&buf, r, f, ro); err != nil {
				return written, fmt.Errorf("render %s: %w", f, err)
			}
			if _, err := io.Copy(ios.Out, &buf); err != nil {
				return written, err
			}
			continue
		}
		path := o.Out
		if st, err := os.Stat(o.Out); err == nil && st.IsDir() {
			path = filepath.Join(o.Out, "report."+reports.FormatExt(f))
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
