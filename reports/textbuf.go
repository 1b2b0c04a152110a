package reports

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The renderers build their text with these helpers rather than fmt: fmt
// boxes every argument in an interface, an allocation per value, and the
// findings loops run once per finding. Each helper matches the fmt verb
// named in its comment byte for byte.

// writeStrings appends each of ss in turn.
func writeStrings(b *strings.Builder, ss ...string) {
	for _, s := range ss {
		b.WriteString(s)
	}
}

// fixed1 formats v as %.1f does.
func fixed1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// seconds formats milliseconds as seconds, as %.1f of ms/1000 does.
func seconds(ms int64) string { return fixed1(float64(ms) / 1000) }

// padLeft right-aligns s in width runes, as %<width>s does.
func padLeft(s string, width int) string {
	if n := width - utf8.RuneCountInString(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}

// padRight left-aligns s in width runes, as %-<width>s does.
func padRight(s string, width int) string {
	if n := width - utf8.RuneCountInString(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}
