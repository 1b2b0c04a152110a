package cpuhotspot

import (
	"strconv"
	"testing"
)

var patterns = []string{`timeout after \d+ms`, `^ERROR `, `user=[a-z]+ denied`}

func lines(n int) []string {
	out := make([]string, n)
	for i := range out {
		switch i % 4 {
		case 0:
			out[i] = "ERROR disk full on /dev/sda" + strconv.Itoa(i)
		case 1:
			out[i] = "INFO request took " + strconv.Itoa(i) + "ms"
		case 2:
			out[i] = "WARN user=bob denied access to /admin"
		default:
			out[i] = "INFO timeout after " + strconv.Itoa(i) + "ms, retrying"
		}
	}
	return out
}

func TestCountMatches(t *testing.T) {
	if got := CountMatches(lines(8), patterns); got != 6 {
		t.Fatalf("CountMatches = %d, want 6", got)
	}
}

// BenchmarkCountMatches filters 1000 lines. Profile it:
// go test -bench CountMatches -cpuprofile cpu.out && go tool pprof -top cpu.out
func BenchmarkCountMatches(b *testing.B) {
	in := lines(1000)
	for b.Loop() {
		_ = CountMatches(in, patterns)
	}
}
