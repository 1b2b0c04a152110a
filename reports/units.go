package reports

import (
	"math"
	"strconv"
	"strings"
)

// FormatValue renders a measured value with its unit the way a person reads
// it: rates with k/M/G (135k/s, 50.1/s), bytes in IEC units (78.2 MiB),
// durations in the unit that fits (412 ms, 1.23 µs, 2.5 s), percentages
// (42%), plain counts as they are (1024). Three significant digits; the
// number and a word unit are apart (78.2 MiB), symbols stay close (50.1/s,
// 42%). JSON keeps the raw value and unit; every other format shows this.
//
// Units understood: "/s", "1/s" and "WORD/s" (a rate: the word is the
// metric's name already), "B", "bytes", "B/op", "ns", "µs", "us", "ms",
// "s", "nanoseconds", "seconds", "%", "" (a count); any other unit is
// written after the number.
func FormatValue(v float64, unit string) string {
	switch u := strings.TrimSpace(unit); {
	case u == "/s" || u == "1/s" || (strings.HasSuffix(u, "/s") && !strings.Contains(u, "B")):
		return siValue(v) + "/s"
	case u == "B" || u == "bytes" || u == "byte":
		return bytesValue(v)
	case u == "B/s":
		return bytesValue(v) + "/s"
	case u == "B/op":
		return bytesValue(v) + "/op"
	case u == "%":
		return sig3(v) + "%"
	case u == "" || u == "count" || u == "objects":
		if v == math.Trunc(v) && math.Abs(v) < 1e7 {
			return strconv.FormatInt(int64(v), 10)
		}
		return siValue(v)
	default:
		if ns, ok := nanosPer[u]; ok {
			return durationValue(v * ns)
		}
		return sig3(v) + " " + u
	}
}

// FormatMetric renders one lab metric as "name value" (handshakes_per_second 50.1/s).
func FormatMetric(m Metric) string { return m.Name + " " + FormatValue(m.Value, m.Unit) }

var nanosPer = map[string]float64{
	"ns": 1, "nanoseconds": 1, "µs": 1e3, "us": 1e3, "μs": 1e3, "microseconds": 1e3,
	"ms": 1e6, "milliseconds": 1e6, "s": 1e9, "sec": 1e9, "seconds": 1e9,
}

// sig3 writes v with three significant digits, without exponent or
// trailing zeros: 50.1, 412, 1.5, 0.0123, 135237.
func sig3(v float64) string {
	a := math.Abs(v)
	var s string
	switch {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 3, 64)
		if strings.Contains(s, "e") {
			return s
		}
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// siValue scales by thousands: 950, 1.5k, 135k, 2.4M, 1.1G.
func siValue(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return sig3(v/1e9) + "G"
	case a >= 1e6:
		return sig3(v/1e6) + "M"
	case a >= 1e3:
		return sig3(v/1e3) + "k"
	}
	return sig3(v)
}

// bytesValue scales by 1024: 512 B, 16 KiB, 78.2 MiB, 1.5 GiB.
func bytesValue(v float64) string {
	a := math.Abs(v)
	for _, u := range []struct {
		n    float64
		name string
	}{{1 << 40, "TiB"}, {1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if a >= u.n {
			return sig3(v/u.n) + " " + u.name
		}
	}
	return sig3(v) + " B"
}

// durationValue picks ns, µs, ms or s for a duration given in nanoseconds.
func durationValue(ns float64) string {
	a := math.Abs(ns)
	switch {
	case a == 0:
		return "0"
	case a < 1e3:
		return sig3(ns) + " ns"
	case a < 1e6:
		return sig3(ns/1e3) + " µs"
	case a < 1e9:
		return sig3(ns/1e6) + " ms"
	}
	return sig3(ns/1e9) + " s"
}
