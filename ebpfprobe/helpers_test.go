package ebpfprobe

import (
	"os"
	"testing"
)

// noLeak fails the test when the kernel holds a different number of eBPF
// programs after fn than before it.
func noLeak(t *testing.T, fn func()) {
	t.Helper()
	before, err := CountPrograms()
	if err != nil {
		t.Fatalf("counting programs: %v", err)
	}
	fn()
	after, err := CountPrograms()
	if err != nil {
		t.Fatalf("counting programs: %v", err)
	}
	if after != before {
		t.Errorf("kernel programs: %d before, %d after: a program leaked", before, after)
	}
}

func netnsExists(name string) (bool, error) {
	_, err := os.Stat("/run/netns/" + name)
	return err == nil, err
}
