// Package calc is a small, clean package used by gocap's tests.
package calc

import (
	"errors"
	"fmt"
)

// ErrEmpty is returned by Mean for an empty input.
var ErrEmpty = errors.New("calc: empty input")

// Mean returns the arithmetic mean of xs.
func Mean(xs []float64) (float64, error) {
	if len(xs) == 0 {
		return 0, ErrEmpty
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs)), nil
}

// Describe formats the mean of xs.
func Describe(xs []float64) (string, error) {
	m, err := Mean(xs)
	if err != nil {
		return "", fmt.Errorf("describe: %w", err)
	}
	return fmt.Sprintf("mean=%.2f", m), nil
}
