// Package leaky holds a planted defect for gocap's leak leg: Watch starts a
// goroutine that waits on a channel nobody ever closes.
package leaky

// Watch starts a watcher and returns its event channel; the stop channel
// it should take is missing, so the goroutine never ends.
func Watch() chan<- int {
	events := make(chan int)
	go func() { // want "goroutine-leak"
		for range events {
		}
	}()
	return events
}

// Add is ordinary code.
func Add(a, b int) int { return a + b }
