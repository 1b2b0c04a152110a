// Package racy holds a planted data race: Counter is shared by goroutines
// without a lock.
package racy

import "sync"

// Counter counts events. It has no lock: concurrent Inc calls race.
type Counter struct{ n int }

// Inc adds one.
func (c *Counter) Inc() {
	c.n++ // want "data-race"
}

// IncAll calls Inc from k goroutines at once and waits for them.
func IncAll(c *Counter, k int) {
	var wg sync.WaitGroup
	for range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Inc()
		}()
	}
	wg.Wait()
}
