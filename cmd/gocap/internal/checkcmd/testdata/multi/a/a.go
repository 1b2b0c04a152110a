package a

// A adds.
func  A(x, y int) int {
	return x+y
}
