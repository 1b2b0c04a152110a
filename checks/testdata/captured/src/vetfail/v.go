package vetfail

import "fmt"

// Say formats n.
func Say(n int) string { return fmt.Sprintf("%s", n) }
