// Package fanout fetches many keys at once, each call under its own timeout.
package fanout

import (
	"context"
	"errors"
	"sync"
	"time"
)

// FetchAll calls get for every key concurrently and returns the values in
// key order. Each call gets its own context that ends after timeout.
func FetchAll(ctx context.Context, keys []string, timeout time.Duration, get func(context.Context, string) (string, error)) ([]string, error) {
	values := make([]string, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			values[i], errs[i] = get(cctx, k)
		})
	}
	wg.Wait()
	return values, errors.Join(errs...)
}
