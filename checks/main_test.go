package checks

import (
	"os"
	"testing"
)

// TestMain lets this test binary serve as gocap's vet tool, so the lint
// legs run the analyzers through go vet -vettool as the gocap binary does.
func TestMain(m *testing.M) {
	if IsVetTool() {
		VetToolMain(os.Stderr)
	}
	EnableVetTool()
	os.Exit(m.Run())
}
