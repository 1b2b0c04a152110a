// Package termtext fits text to a terminal's width: a line cut with an
// ellipsis, or a paragraph wrapped onto indented continuation lines. Widths
// count terminal cells, not bytes, and ANSI escapes are kept intact and count
// zero (github.com/charmbracelet/x/ansi measures and cuts).
package termtext

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// minText is the least room text gets, however long the prefix: a line a
// little wider than the terminal beats a column of one-letter lines.
const minText = 20

// Width is the number of cells s takes on a terminal.
func Width(s string) int { return ansi.StringWidth(s) }

// Truncate keeps the first line of s and cuts it to at most n cells, ending
// in "…" when something was cut.
func Truncate(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	n = max(n, 1)
	if ansi.StringWidth(s) <= n {
		return s
	}
	return ansi.Truncate(s, n, "…")
}

// Line returns prefix followed by text, text cut (see Truncate) so that the
// line is at most width cells wide.
func Line(width int, prefix, text string) string {
	return prefix + Truncate(text, max(width-Width(prefix), minText))
}

// Wrap returns prefix followed by text wrapped at spaces so that no line is
// wider than width; every line after the first starts with indent spaces. A
// word longer than the room (a long path) stays whole on a line of its own,
// so it can still be copied. The result has no trailing newline.
func Wrap(width int, prefix, text string, indent int) string {
	room := max(width-Width(prefix), minText)
	text = strings.ReplaceAll(text, "\n", " ")
	var b strings.Builder
	b.WriteString(prefix)
	used := 0
	for i, w := range strings.Split(text, " ") {
		ww := Width(w)
		// A first word too long for what the prefix leaves starts the next
		// line when it fits there.
		first := i == 0 && prefix != "" && ww > room && ww <= width-indent
		if first || used > 0 && used+1+ww > room {
			b.WriteString("\n" + strings.Repeat(" ", indent))
			used, room = 0, max(width-indent, minText)
		} else if used > 0 {
			b.WriteByte(' ')
			used++
		}
		b.WriteString(w)
		used += ww
	}
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}
