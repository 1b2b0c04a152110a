// allocprog allocates with a known pattern for the malloc tracer's tests
// and lab: N allocations of 4096 bytes from main.allocPages, plus a little
// noise from main.smallNoise.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

var sink [][]byte

//go:noinline
func allocPages(n int) {
	for i := 0; i < n; i++ {
		b := make([]byte, 4096)
		b[0] = byte(i)
		sink = append(sink[:0], b)
	}
}

//go:noinline
func smallNoise(n int) {
	for i := 0; i < n; i++ {
		s := fmt.Sprint(i)
		sink = append(sink[:0], []byte(s))
	}
}

func main() {
	n := flag.Int("n", 20000, "4096-byte allocations from allocPages")
	loop := flag.Duration("loop", 0, "repeat the pattern for this long")
	flag.Parse()
	deadline := time.Now().Add(*loop)
	for {
		allocPages(*n)
		smallNoise(*n / 20)
		if time.Now().After(deadline) {
			break
		}
	}
	fmt.Fprintln(os.Stdout, "done", len(sink))
}
