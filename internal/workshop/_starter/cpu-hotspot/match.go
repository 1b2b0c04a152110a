// Package cpuhotspot filters log lines by patterns.
package cpuhotspot

import "regexp"

// CountMatches counts the lines matching at least one of the patterns.
func CountMatches(lines, patterns []string) int {
	n := 0
	for _, l := range lines {
		for _, p := range patterns {
			if regexp.MustCompile(p).MatchString(l) {
				n++
				break
			}
		}
	}
	return n
}
