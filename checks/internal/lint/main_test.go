package lint

import (
	"os"
	"testing"
)

// TestMain lets this test binary serve as gocap's vet tool, so the tests
// run the analyzers through go vet -vettool as the gocap binary does.
func TestMain(m *testing.M) {
	if IsVetTool() {
		VetToolMain(os.Stderr)
	}
	EnableVetTool()
	os.Exit(m.Run())
}
