package c

// C is formatted.
func C() int { return 1 }
