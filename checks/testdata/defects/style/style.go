package style

// Sum adds.
func  Sum(a, b int) int {  // want "gofmt"
	return a+b
}
