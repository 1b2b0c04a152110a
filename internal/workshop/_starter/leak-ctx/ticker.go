// Package leakctx streams numbered ticks to a consumer.
package leakctx

import "context"

// Ticks sends 0, 1, 2, … on the returned channel. The consumer stops by
// cancelling ctx: the producing goroutine must then end and close the channel.
func Ticks(ctx context.Context) <-chan int {
	out := make(chan int)
	go func() {
		for i := 0; ; i++ {
			out <- i
		}
	}()
	return out
}
