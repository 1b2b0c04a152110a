// Package measure lets a goal test hand a measured value to gocap workshop
// grade, which shows it next to the criterion's target.
package measure

import "testing"

// Report logs name=value in the form the grader reads from go test -json.
func Report(t testing.TB, name string, value any) {
	t.Helper()
	t.Logf("gocap-measure: %s=%v", name, value)
}
