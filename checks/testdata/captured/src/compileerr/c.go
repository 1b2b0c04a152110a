package compileerr

// N is broken.
func N() int { return "x" }
