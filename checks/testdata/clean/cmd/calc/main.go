// Command calc prints the mean of its arguments.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"example.com/clean/calc"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, args []string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	if len(args) == 0 {
		log.Fatalf("usage: calc NUMBER...")
		// log.Fatalf never returns (a fact go vet's ctrlflow derives from
		// the standard library's source): no lost cancel on this path.
		return nil
	}
	defer cancel()
	xs := make([]float64, 0, len(args))
	for _, a := range args {
		x, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return fmt.Errorf("calc: %w", err)
		}
		xs = append(xs, x)
	}
	s, err := calc.Describe(xs)
	if err != nil {
		return err
	}
	fmt.Println(s)
	return ctx.Err()
}
