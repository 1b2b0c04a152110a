// Package main is a program: printing is its job, no diagnostics.
package main

import (
	"fmt"
	"log"
	"os"
)

func main() {
	fmt.Println("hello")
	fmt.Fprintln(os.Stderr, "warn")
	log.Printf("x")
	println("y")
}
