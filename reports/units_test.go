package reports

import "testing"

// TestFormatValue: the values the labs and profiles report, as a person
// reads them; the cases glued or misread before (501/s for 50.1 with unit
// "1/s", 135237allocs/s, 82007291B) are among them.
func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		v    float64
		unit string
		want string
	}{
		{50.1, "1/s", "50.1/s"},
		{135237, "allocs/s", "135k/s"},
		{82007291, "B", "78.2 MiB"},
		{16, "B", "16 B"},
		{2048, "bytes", "2 KiB"},
		{1536, "B/op", "1.5 KiB/op"},
		{412.5, "ms", "412 ms"},
		{0.35, "ms", "350 µs"},
		{2500, "ms", "2.5 s"},
		{0.42, "us", "420 ns"},
		{123456789, "nanoseconds", "123 ms"},
		{42, "%", "42%"},
		{33.333, "%", "33.3%"},
		{3, "", "3"},
		{1024, "", "1024"},
		{0.5, "", "0.5"},
		{2.5e9, "", "2.5G"},
		{7.25, "MB/s", "7.25 MB/s"},
		{12, "frames", "12 frames"},
		{0, "ms", "0"},
	} {
		if got := FormatValue(c.v, c.unit); got != c.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
	if got := FormatMetric(Metric{Name: "handshakes_per_second", Value: 50.1, Unit: "1/s"}); got != "handshakes_per_second 50.1/s" {
		t.Errorf("FormatMetric = %q", got)
	}
}
