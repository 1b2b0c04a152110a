// Package allocbudget renders report rows as CSV for an export endpoint.
package allocbudget

// Render joins each row's cells with commas, one line per row.
func Render(rows [][]string) string {
	out := ""
	for _, r := range rows {
		line := ""
		for i, c := range r {
			if i > 0 {
				line += ","
			}
			line += c
		}
		out += line + "\n"
	}
	return out
}
