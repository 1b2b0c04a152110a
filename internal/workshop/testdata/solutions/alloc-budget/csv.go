// Package allocbudget renders report rows as CSV for an export endpoint.
package allocbudget

import "strings"

// Render joins each row's cells with commas, one line per row.
func Render(rows [][]string) string {
	n := 0
	for _, r := range rows {
		n += len(r) + 1 // commas and the newline (one more comma than needed is fine)
		for _, c := range r {
			n += len(c)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(c)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
