package b

// B subtracts.
func B(x, y int) int {
  return x - y
}
