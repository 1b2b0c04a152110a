// Package logs is a library that prints instead of logging.
package logs

import (
	"fmt"
	"log"
	"log/slog"
)

// Process prints progress from a library.
func Process(items []string) int {
	fmt.Println("processing", len(items)) // want "printlog/fmt: fmt.Println writes to stdout from library package logs"
	for i, it := range items {
		log.Printf("item %d: %s", i, it) // want "printlog/log: log.Printf writes unstructured text"
	}
	slog.Info("processed", "n", len(items)) // the practice: no finding
	return len(items)
}
