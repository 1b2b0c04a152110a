package d

// D is unformatted on purpose.
func D() int {
	//gocap:ignore fmt/gofmt kept unformatted to show the directive
	x :=  1
	return x
}
