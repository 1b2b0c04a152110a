package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// RenderOptions are shared by every renderer.
type RenderOptions struct {
	Color bool
	Width int
	// Root is the module root on disk, used by renderers that show code context.
	Root string
	// PathPrefix is joined before finding paths where a consumer needs paths
	// relative to something else than the module root (GitHub annotations
	// want them relative to the repository root).
	PathPrefix string
}

// Renderer writes a report in one format.
type Renderer func(w io.Writer, r *Report, o RenderOptions) error

// formats maps a format name to its renderer and default file extension.
var formats = map[string]struct {
	render Renderer
	ext    string
}{
	"terminal": {func(w io.Writer, r *Report, o RenderOptions) error {
		return RenderTerminal(w, r, TerminalOptions{Color: o.Color, Width: o.Width})
	}, "txt"},
	"json": {func(w io.Writer, r *Report, _ RenderOptions) error { return WriteJSON(w, r) }, "json"},
}

// RegisterFormat adds a renderer (used by this package's own files).
func RegisterFormat(name, ext string, fn Renderer) {
	formats[name] = struct {
		render Renderer
		ext    string
	}{fn, ext}
}

// FormatNames lists the known formats, sorted.
func FormatNames() []string {
	var n []string
	for k := range formats {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// FormatExt returns the file extension for a format.
func FormatExt(name string) string { return formats[name].ext }

// CheckFormat returns an error naming the known formats for an unknown name.
func CheckFormat(name string) error {
	if _, ok := formats[name]; !ok {
		return fmt.Errorf("unknown format %q: use one of %s", name, strings.Join(FormatNames(), ", "))
	}
	return nil
}

// Render writes r in the named format.
func Render(w io.Writer, r *Report, format string, o RenderOptions) error {
	f, ok := formats[format]
	if !ok {
		return CheckFormat(format)
	}
	return f.render(w, r, o)
}
