package checks

import (
	"context"
)

// The runtime legs (race: the module's tests; pprof: its benchmarks) share
// one lock per Env, held while their test binaries run: tests never run while
// benchmarks run. Timing-sensitive tests (a logger's overhead test, a client's
// cancellation deadline) failed under gocap because a benchmark binary kept
// both cores busy, and benchmark numbers moved because tests ran beside them.
// Static legs (vet, fmt, escape's compile, the pprof leg's own test-binary
// builds) may run beside either.

const runtimeLockKey = "runtime-lock"

// runtimeLock returns the Env's runtime lock, a one-slot semaphore, made on
// first use.
func (e *Env) runtimeLock() chan struct{} {
	v, _ := e.Memo(runtimeLockKey, func() (any, error) { return make(chan struct{}, 1), nil })
	return v.(chan struct{})
}

// holdRuntime waits for the runtime lock (or the end of ctx) and returns the
// function that releases it.
func (e *Env) holdRuntime(ctx context.Context, check string) (release func(), err error) {
	l := e.runtimeLock()
	select {
	case l <- struct{}{}:
	default:
		e.progress(check, "waiting for the other runtime leg (tests and benchmarks never run together)")
		select {
		case l <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return func() { <-l }, nil
}
