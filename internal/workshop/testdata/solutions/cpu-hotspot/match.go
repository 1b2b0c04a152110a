// Package cpuhotspot filters log lines by patterns.
package cpuhotspot

import "regexp"

// CountMatches counts the lines matching at least one of the patterns.
func CountMatches(lines, patterns []string) int {
	res := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		res[i] = regexp.MustCompile(p)
	}
	n := 0
	for _, l := range lines {
		for _, re := range res {
			if re.MatchString(l) {
				n++
				break
			}
		}
	}
	return n
}
