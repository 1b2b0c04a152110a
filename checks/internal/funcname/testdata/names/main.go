// Command names prints, for every call of here, the line and the name the
// runtime gives the calling function, so funcname's tests compare its
// source-based names with the real ones.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func here() {
	pc, _, line, _ := runtime.Caller(1)
	fmt.Printf("%d %s\n", line, runtime.FuncForPC(pc).Name())
}

// T is a type with methods.
type T struct{}

// L is a generic list.
type L[E any] struct{ v []E }

func (T) Value() {
	here()
}

func (*T) Pointer() {
	here()
	func() {
		here()
	}()
}

func (l *L[E]) Each(f func(E)) {
	here()
	g := func(x E) {
		here()
		f(x)
	}
	for _, x := range l.v {
		g(x)
	}
}

// Map is a generic function.
func Map[A, B any](xs []A, f func(A) B) []B {
	here()
	var out []B
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func closures() {
	here()
	defer func() {
		here()
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		here()
	}()
	wg.Wait()
	h := func() {
		here()
		k := func() {
			here()
		}
		k()
		func() {
			here()
		}()
	}
	h()
}

func main() {
	here()
	T{}.Value()
	(&T{}).Pointer()
	(&L[int]{v: []int{1}}).Each(func(int) {
		here()
	})
	Map([]int{1}, func(int) string {
		here()
		return ""
	})
	closures()
}
