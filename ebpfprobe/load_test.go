package ebpfprobe

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tcpObject = "internal/bpf/tcp_x86_bpfel.o"

func TestInspectValid(t *testing.T) {
	noLeak(t, func() {
		rep, err := Inspect(tcpObject, []string{"event=testdata/layout/event.go:Event", "event=testdata/layout/event.go:BadEvent"})
		if err != nil {
			t.Fatalf("Inspect: %v", err)
		}
		if !rep.Loaded {
			t.Fatal("not loaded")
		}
		if len(rep.Programs) != 1 || rep.Programs[0].Name != "inet_sock_set_state" || rep.Programs[0].Type != "TracePoint" {
			t.Fatalf("programs: %+v", rep.Programs)
		}
		p := rep.Programs[0]
		if p.Instructions == 0 || p.Processed == 0 || p.TotalStates == 0 || p.Verified == 0 {
			t.Errorf("program stats missing: %+v", p)
		}
		names := map[string]MapReport{}
		for _, m := range rep.Maps {
			names[m.Name] = m
		}
		socks, ok := names["socks"]
		if !ok || socks.Type != "Hash" || socks.KeySize != 8 || !strings.Contains(socks.ValueBTF, "struct sockinfo") || socks.Mismatch != "" {
			t.Errorf("socks map: %+v", socks)
		}
		if _, ok := names["events"]; !ok {
			t.Error("no events map")
		}
		if len(rep.Structs) != 2 {
			t.Fatalf("struct checks: %+v", rep.Structs)
		}
		if len(rep.Structs[0].Problems) != 0 {
			t.Errorf("Event should match struct event: %v", rep.Structs[0].Problems)
		}
		if len(rep.Structs[1].Problems) == 0 {
			t.Error("BadEvent should not match struct event")
		}
	})
}

func TestInspectRejected(t *testing.T) {
	noLeak(t, func() {
		rep, err := Inspect("testdata/reject.o", nil)
		var rj *RejectedError
		if !errors.As(err, &rj) {
			t.Fatalf("err %v, want *RejectedError", err)
		}
		if rep == nil || rep.Loaded || rep.Rejected == nil {
			t.Fatalf("report %+v", rep)
		}
		if rep.Rejected.Program != "count_syscalls" {
			t.Errorf("rejected program %q", rep.Rejected.Program)
		}
		if !strings.Contains(strings.Join(rep.Rejected.LogTail, "\n"), "map_value_or_null") {
			t.Errorf("log tail lacks the reason: %q", rep.Rejected.LogTail)
		}
	})
}

func TestInspectTruncated(t *testing.T) {
	data, err := os.ReadFile(tcpObject)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cut.o")
	if err := os.WriteFile(p, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p, "testdata/reject.c", filepath.Join(t.TempDir(), "missing.o")} {
		_, err := Inspect(f, nil)
		if !errors.Is(err, ErrBadObject) {
			t.Errorf("%s: err %v, want ErrBadObject", f, err)
		}
		// Only the C source is readable and not ELF: it is told so, with the fix.
		if notELF := strings.Contains(fmt.Sprint(err), "not an ELF file (compile"); notELF != (f == "testdata/reject.c") {
			t.Errorf("%s: err %v: 'not an ELF file' only for the C source", f, err)
		}
	}
}

func TestInspectBadStructSpec(t *testing.T) {
	for _, s := range []string{"event", "nomap.key=testdata/layout/event.go:Event", "event=testdata/layout/event.go:Nope", "socks.val=testdata/layout/event.go:Event"} {
		if _, err := Inspect(tcpObject, []string{s}); err == nil || !strings.Contains(err.Error(), "--check-struct") {
			t.Errorf("%s: err %v", s, err)
		}
	}
}
