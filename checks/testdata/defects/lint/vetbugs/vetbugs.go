// Package vetbugs plants one defect per go vet analyzer (and nilness,
// unusedwrite and friends); each offending line carries a want mark.
package vetbugs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"example.com/defects/lint/shapes"
)

// Counter carries a lock.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Get copies the lock with its receiver.
func (c Counter) Get() int { // want "copylocks: Get passes lock by value"
	return c.n
}

// Label formats with the wrong verb.
func Label(name string) string {
	return fmt.Sprintf("%d items", name) // want "printf: fmt.Sprintf format %d has arg name of wrong type string"
}

// Leak drops the cancel function.
func Leak(ctx context.Context) context.Context {
	ctx2, _ := context.WithCancel(ctx) // want "lostcancel: the cancel function returned by context.WithCancel should be called"
	return ctx2
}

// Early returns before the rest of its body.
func Early(n int) int {
	return n
	n++ // want "unreachable: unreachable code"
	return n
}

// Drop discards a pure result.
func Drop(n int) {
	fmt.Sprintf("n=%d", n) // want "unusedresult: result of fmt.Sprintf call not used"
}

// Record has a malformed tag.
type Record struct {
	Name string `json:name` // want "structtag: struct field tag `json:name` not compatible with reflect.StructTag.Get"
}

// Deref always dereferences nil.
func Deref() int {
	var p *int
	return *p // want "nilness/nilderef: nil dereference in load"
}

// Self assigns to itself.
func Self(n int) int {
	n = n // want "assign: self-assignment of n"
	return n
}

// Twice tests the same thing twice.
func Twice(n int) bool {
	return n == 1 || n == 1 // want `bools: redundant or: n == 1 \|\| n == 1`
}

// Rune converts an int to a string.
func Rune(n int) string {
	return string(n) // want "stringintconv: conversion from int to string yields a string of one rune"
}

// Shift shifts too far.
func Shift() int8 {
	var b int8 = 1
	return b << 8 // want `shift: b \(8 bits\) too small for shift of 8`
}

// Hook is a function.
func Hook() {}

// HasHook compares a function with nil.
func HasHook() bool {
	return Hook == nil // want "nilfunc: comparison of function Hook == nil is always false"
}

// Day swaps day and month.
func Day(t time.Time) string {
	return t.Format("2006-02-01") // want "timeformat: 2006-02-01 should be 2006-01-02"
}

// Dial builds an address that breaks on IPv6.
func Dial(host string, port int) (net.Conn, error) {
	return net.Dial("tcp", fmt.Sprintf("%s:%d", host, port)) // want "hostport: address format .* does not work with IPv6"
}

// Signals uses an unbuffered channel.
func Signals() chan os.Signal {
	c := make(chan os.Signal)
	signal.Notify(c, os.Interrupt) // want "sigchanyzer: misuse of unbuffered os.Signal channel as argument to signal.Notify"
	return c
}

func record(d time.Duration) { _ = d }

// Timed measures nothing.
func Timed() {
	start := time.Now()
	defer record(time.Since(start)) // want "defers: call to time.Since is not deferred"
}

// AsPath passes a non-pointer to errors.As.
func AsPath(err error) bool {
	var pe *fs.PathError
	return errors.As(err, pe) // want "errorsas: second argument to errors.As must be a non-nil pointer"
}

// Decode unmarshals into a value.
func Decode(b []byte) error {
	var r Record
	return json.Unmarshal(b, r) // want "unmarshal: call of Unmarshal passes non-pointer as second argument"
}

// Grow appends nothing.
func Grow(s []int) []int {
	s = append(s) // want "appends: append with no values"
	return s
}

// Spawn calls Add inside the goroutine.
func Spawn(work func()) {
	var wg sync.WaitGroup
	go func() {
		wg.Add(1) // want "waitgroup: WaitGroup.Add called from inside new goroutine"
		defer wg.Done()
		work()
	}()
	wg.Wait()
}

// Inc assigns the result of an atomic add.
func Inc(x int64) int64 {
	x = atomic.AddInt64(&x, 1) // want "atomic: direct assignment to atomic value"
	return x
}

// Fetch uses the response before checking the error.
func Fetch(url string) error {
	resp, err := http.Get(url)
	defer resp.Body.Close() // want "httpresponse: using resp before checking for errors"
	return err
}

// Byte has a ReadByte method with the wrong signature.
type Byte struct{}

// ReadByte does not implement io.ByteReader.
func (Byte) ReadByte() rune { // want `stdmethods: method ReadByte\(\) rune should have signature ReadByte\(\) \(byte, error\)`
	return 0
}

// Ptr converts a stored uintptr back to a pointer.
func Ptr(p *int) unsafe.Pointer {
	u := uintptr(unsafe.Pointer(p))
	return unsafe.Pointer(u) // want "unsafeptr: possible misuse of unsafe.Pointer"
}

// Log passes a key without a value.
func Log() {
	slog.Info("msg", "key") // want "slog: call to slog.Info missing a final value"
}

// Impossible asserts to an interface that cannot match.
func Impossible(r io.Reader) bool {
	_, ok := r.(interface{ Read() int }) // want "ifaceassert: impossible type assertion"
	return ok
}

// Unkeyed builds another package's struct without field names.
func Unkeyed() shapes.Pair {
	return shapes.Pair{1, 2} // want "composites: example.com/defects/lint/shapes.Pair struct literal uses unkeyed fields"
}

// SameErr compares errors with DeepEqual.
func SameErr(a, b error) bool {
	return reflect.DeepEqual(a, b) // want "deepequalerrors: avoid using reflect.DeepEqual with errors"
}

// SameValue compares reflect.Values with ==.
func SameValue(a, b any) bool {
	return reflect.ValueOf(a) == reflect.ValueOf(b) // want "reflectvaluecompare: avoid using == with reflect.Value"
}

// SortMap sorts a map.
func SortMap(m map[int]int) {
	sort.Slice(m, func(i, j int) bool { return i < j }) // want `sortslice: sort.Slice's argument must be a slice; is called with map\[int\]int`
}

// logf is a printf wrapper: printf learns it from a fact.
func logf(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}

// Wrapped calls the wrapper with a mismatched verb.
func Wrapped() string {
	return logf("%d", "seven") // want `printf: .*logf format %d has arg "seven" of wrong type string`
}
