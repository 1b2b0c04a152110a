package vetfail

import "testing"

func TestSay(t *testing.T) { _ = Say(1) }
