package vetbugs

import "testing"

func Testhelper(t *testing.T) { // want "tests: Testhelper has malformed name: first letter after 'Test' must not be lowercase"
	_ = t
}

func TestGoroutineFatal(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.Fatal("from a goroutine") // want `testinggoroutine: call to \(\*testing.T\).Fatal from a non-test goroutine`
	}()
	<-done
}
