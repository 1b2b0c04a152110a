package reports

import (
	"io"
	"strconv"
	"strings"
)

// The extension is not plain .txt: that is the terminal format's.
func init() { RegisterFormat("github", "annotations.txt", RenderGitHub) }

// GitHub workflow commands escape %, CR and LF in the message, and also
// ':' and ',' in property values.
var (
	ghData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghProp = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// RenderGitHub writes one GitHub Actions workflow command per finding
// (::error, ::warning or ::notice with file, line, col and title), which the
// runner turns into annotations on the pull request's diff. Paths are joined
// to RenderOptions.PathPrefix, since GitHub wants them relative to the
// repository root.
func RenderGitHub(w io.Writer, r *Report, o RenderOptions) error {
	var b strings.Builder
	for _, f := range r.Findings() {
		level := "notice"
		switch f.Severity {
		case SevError:
			level = "error"
		case SevWarning:
			level = "warning"
		}
		// The properties are comma-separated; title is always there, last.
		writeStrings(&b, "::", level, " ")
		if f.File != "" {
			p := f.File
			if o.PathPrefix != "" {
				p = strings.TrimSuffix(o.PathPrefix, "/") + "/" + p
			}
			writeStrings(&b, "file=", ghProp.Replace(p), ",")
			if f.Line > 0 {
				writeStrings(&b, "line=", strconv.Itoa(f.Line), ",")
				if f.Col > 0 {
					writeStrings(&b, "col=", strconv.Itoa(f.Col), ",")
				}
			}
		}
		title := "gocap " + f.Check + "/" + f.Rule
		if f.Baseline == BaselineNew {
			title += " (new)"
		}
		msg := f.Message
		if f.Hint != "" {
			msg += "\n" + f.Hint
		}
		writeStrings(&b, "title=", ghProp.Replace(title), "::", ghData.Replace(msg), "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
