// Package hook is a hook of the mylog logging library: it imports the
// logger of its own module, so its failure-path stderr writes are allowed.
package hook

import (
	"errors"
	"fmt"
	"os"

	"mylog"
)

// Hook forwards events.
type Hook struct{ l *mylog.Logger }

// Fire sends an event.
func (h *Hook) Fire(msg string) error {
	if err := send(msg); err != nil {
		fmt.Fprintf(os.Stderr, "hook: cannot send: %v\n", err)
		return err
	}
	fmt.Fprintln(os.Stderr, "sent") // want `fmt.Fprintln writes to os.Stderr from library package hook`
	return nil
}

func send(string) error { return errors.New("down") }
