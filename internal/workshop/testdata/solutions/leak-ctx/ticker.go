// Package leakctx streams numbered ticks to a consumer.
package leakctx

import "context"

// Ticks sends 0, 1, 2, … on the returned channel until ctx is cancelled;
// then the producing goroutine ends and closes the channel.
func Ticks(ctx context.Context) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 0; ; i++ {
			select {
			case out <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
