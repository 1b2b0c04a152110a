// Package ret holds escapes the compiler explains by a return and escapes
// that other flows force, for the returned-escape classification.
package ret

import (
	"errors"
	"fmt"
)

// Item is a named thing.
type Item struct{ Name string }

var last *Item

// Names collects names into a slice it returns.
func Names(items []Item) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

// New returns a new Item.
func New(name string) *Item {
	return &Item{Name: name}
}

// Collect fills its named result and returns it with a bare return.
func Collect(n int) (items []*Item) {
	for i := 0; i < n; i++ {
		items = append(items, &Item{})
	}
	return
}

// Check returns an error made by errors.New (inlined).
func Check(n int) error {
	if n < 0 {
		return errors.New("negative")
	}
	return nil
}

// Print passes a new Item to fmt as an interface argument.
func Print(name string) {
	fmt.Println(&Item{Name: name})
}

// Keep stores a new Item in a global.
func Keep(name string) {
	last = &Item{Name: name}
}

// KeepAndReturn returns a new Item and stores it in a global too.
func KeepAndReturn(name string) *Item {
	it := &Item{Name: name}
	last = it
	return it
}

// Send returns a channel a goroutine fills with a new Item.
func Send(name string) chan *Item {
	ch := make(chan *Item, 1)
	go func() { ch <- &Item{Name: name} }()
	return ch
}

// Loop keeps the last of many Items in a variable declared outside the loop.
func Loop(n int) int {
	var p *Item
	for i := 0; i < n; i++ {
		p = &Item{Name: "x"}
	}
	return len(p.Name)
}

// Counter returns a closure over a local.
func Counter() func() int {
	c := 0
	return func() (n int) { c++; return c }
}
