// Package bad does not compile: the calibration corpus's "does not build" case.
package bad

// Name returns a name.
func Name() string {
	var n int = "gopher"
	return n
}
