package slogfields

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"example.com/workshop/internal/measure"
)

func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

func missing(rec map[string]any, keys ...string) []string {
	var out []string
	for _, k := range keys {
		if _, ok := rec[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

func TestStructuredRecords(t *testing.T) {
	var buf bytes.Buffer
	h := &Handler{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	if err := h.Handle(Order{ID: "o-1", Items: []string{"tea", "cup"}}); err != nil {
		t.Fatal(err)
	}
	if err := h.Handle(Order{ID: "o-2"}); err == nil {
		t.Fatal("an order without items must fail")
	}
	recs := records(t, &buf)
	var miss []string
	if len(recs) != 2 {
		measure.Report(t, "missing_keys", 5)
		t.Fatalf("got %d JSON records, want 2 (one per order) on the Handler's Logger", len(recs))
	}
	ok, bad := recs[0], recs[1]
	miss = append(miss, missing(ok, "order_id", "items", "duration_ms")...)
	miss = append(miss, missing(bad, "order_id", "error")...)
	measure.Report(t, "missing_keys", len(miss))
	if len(miss) > 0 {
		t.Fatalf("records lack the keys %v", miss)
	}
	if ok["msg"] != "order handled" || ok["level"] != "INFO" || ok["order_id"] != "o-1" || ok["items"] != float64(2) {
		t.Fatalf("success record = %v: want level INFO, msg \"order handled\", order_id o-1, items 2", ok)
	}
	if _, isNum := ok["duration_ms"].(float64); !isNum {
		t.Fatalf("duration_ms = %v: want a number of milliseconds", ok["duration_ms"])
	}
	if bad["msg"] != "order failed" || bad["level"] != "ERROR" || bad["order_id"] != "o-2" {
		t.Fatalf("failure record = %v: want level ERROR, msg \"order failed\", order_id o-2", bad)
	}
}
