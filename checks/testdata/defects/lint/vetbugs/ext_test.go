package vetbugs_test

import (
	"fmt"
	"testing"

	"example.com/defects/lint/vetbugs"
)

func TestLabel(t *testing.T) {
	got := vetbugs.Label("x")
	t.Logf("label %d", got) // want `printf: \(\*testing.common\).Logf format %d has arg got of wrong type string`
	_ = fmt.Sprint(got)
}
