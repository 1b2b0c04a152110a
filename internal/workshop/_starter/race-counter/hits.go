// Package racecounter counts page hits for a web server: many request
// goroutines call Add at the same time.
package racecounter

import "sync"

// Hits counts hits per page and in total. It must be safe for concurrent use.
type Hits struct {
	mu     sync.Mutex
	counts map[string]int
	total  int
}

// New returns an empty counter.
func New() *Hits { return &Hits{counts: map[string]int{}} }

// Add records one hit on page.
func (h *Hits) Add(page string) {
	h.mu.Lock()
	h.counts[page]++
	h.mu.Unlock()
	h.total++
}

// Count returns the hits on page.
func (h *Hits) Count(page string) int {
	return h.counts[page]
}

// Total returns the hits on every page.
func (h *Hits) Total() int {
	return h.total
}
