// Package benchloop parses "key=value" lines of a settings file.
package benchloop

import "strings"

// Parse reads key=value lines; blank lines and lines starting with # are skipped.
func Parse(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok { out[strings.TrimSpace(k)]=strings.TrimSpace(v) }
	}
	return out
}

// Sample returns a settings file of n lines.
func Sample(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("# comment\nkey")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(" = value\n")
	}
	return b.String()
}
