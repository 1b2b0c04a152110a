package fanout

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/workshop/internal/measure"
)

func TestFetchAll(t *testing.T) {
	keys := []string{"a", "b", "c", "d", "e", "f"}
	var mu sync.Mutex
	var ctxs []context.Context
	get := func(ctx context.Context, k string) (string, error) {
		mu.Lock()
		ctxs = append(ctxs, ctx)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // a slow backend
		return strings.ToUpper(k), nil
	}
	for round := 0; round < 3; round++ {
		ctxs = nil
		got, err := FetchAll(context.Background(), keys, time.Minute, get)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "") != "ABCDEF" {
			t.Fatalf("FetchAll returned %q before every call finished: Wait must cover every goroutine", got)
		}
		mu.Lock()
		live := 0
		for _, c := range ctxs {
			if c.Err() == nil {
				live++
			}
		}
		mu.Unlock()
		measure.Report(t, "uncancelled_contexts", live)
		if live > 0 {
			t.Fatalf("%d per-call context(s) still live after FetchAll returned: their timers leak until the timeout (call cancel)", live)
		}
	}
}
