package checks

import "fmt"

// count writes n with the noun in singular or plural: "1 data race",
// "2 data races", for a check's one-line summary.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
