package lib

import (
	"fmt"
	"log"
	"testing"
)

// Test files may print: no diagnostics here.
func TestWork(t *testing.T) {
	fmt.Println("test output")
	log.Printf("x")
}
