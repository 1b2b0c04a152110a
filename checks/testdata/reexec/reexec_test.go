// Package reexec has a test that runs its own test binary again, as
// zerolog's diode tests do for log.Fatal: the child leaves a goroutine to
// write its last line and exits, and the line arrives only because the race
// runtime sleeps (1 s by default) before the process ends. gocap's race leg
// must not shorten that sleep here (TestRaceExitSleepKeptForChildren).
package reexec

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestChildFlushesOnExit(t *testing.T) {
	if os.Getenv("REEXEC_CHILD") == "1" {
		go func() {
			time.Sleep(300 * time.Millisecond) // a writer draining its buffer
			os.Stdout.WriteString("flushed\n")
		}()
		return // the test passes; the binary exits, after the race runtime's exit sleep
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildFlushesOnExit$")
	cmd.Env = append(os.Environ(), "REEXEC_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "flushed") {
		t.Errorf("the child's last line was lost: %q", out)
	}
}
