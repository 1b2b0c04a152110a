// Command tool prints: that is a program's job, so printlog stays quiet.
package main

import (
	"fmt"

	"example.com/defects/lint/logs"
)

func main() {
	fmt.Println(logs.Process([]string{"a"}))
}
