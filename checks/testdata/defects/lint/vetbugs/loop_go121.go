//go:build go1.21

// This file keeps Go 1.21 loop semantics (one variable per loop), so
// loopclosure still reports a goroutine capturing the loop variable.

package vetbugs

import "sync"

// Each runs f on every item, capturing the shared loop variable.
func Each(items []string, f func(string)) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(it) // want "loopclosure: loop variable it captured by func literal"
		}()
	}
	wg.Wait()
}
