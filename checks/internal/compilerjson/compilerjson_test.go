package compilerjson

import (
	"strconv"
	"strings"
	"testing"
)

// testdata/captured/compiler holds real -json=0 output of gc for the esc and
// hot packages of testdata/captured/src (see record.sh there).
func TestReadDirCaptured(t *testing.T) {
	files, err := ReadDir("../../testdata/captured/compiler")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("got %d files, want 2", len(files))
	}
	if h := files[0].Header; h.Package != "example.com/m/esc" || h.File != "/tmp/cap/m/esc/esc.go" || h.GCVersion == "" {
		t.Errorf("header = %+v", h)
	}
	var got []string
	for _, e := range Escapes(files[0]) {
		got = append(got, e.File[strings.LastIndexByte(e.File, '/')+1:]+":"+strconv.Itoa(e.Line)+":"+strconv.Itoa(e.Col)+" "+string(e.Kind)+" "+e.Message)
	}
	want := []string{
		"esc.go:11:7 leak-param parameter t leaks to ~r0 with derefs=0",
		"esc.go:15:2 moved-to-heap y escapes to heap",
		"esc.go:20:12 leak-param parameter s leaks to {storage for s} with derefs=0",
		"esc.go:21:20 heap-escape \"hello \" escapes to heap",
		"esc.go:21:30 heap-escape s escapes to heap",
		"esc.go:25:12 moved-to-heap n escapes to heap",
		"esc.go:25:12 leak-param parameter n leaks to {storage for func literal} with derefs=0",
		"esc.go:26:9 heap-escape func literal escapes to heap",
		"esc.go:33:6 moved-to-heap v escapes to heap",
		"esc.go:33:17 moved-to-heap v escapes to heap",
		"esc.go:37:18 moved-to-heap v escapes to heap",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("escapes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// v in init escapes inside the inlined call of Box, whose body is at line 33.
	for _, e := range Escapes(files[0]) {
		if e.Line == 37 && (len(e.Inlined) != 1 || e.Inlined[0] != "/tmp/cap/m/esc/esc.go:33") {
			t.Errorf("escape at 37 inlined = %q", e.Inlined)
		}
		if e.Line == 15 && len(e.Inlined) != 0 {
			t.Errorf("escape at 15 inlined = %q", e.Inlined)
		}
	}
	hot := Escapes(files[1])
	if len(hot) != 1 || hot[0].Message != "&Point{} escapes to heap" || hot[0].Line != 12 || hot[0].Col != 7 || hot[0].Kind != HeapEscape {
		t.Fatalf("hot escapes = %+v", hot)
	}
	if f := strings.Join(hot[0].Flow, "|"); !strings.Contains(f, "from return p (return)") || strings.Contains(f, "escflow:") {
		t.Errorf("flow = %q", f)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{"", "not json\n", "{\"version\":0}\n", "{\"version\":0,\"file\":\"/a.go\"}\n{bad\n"} {
		if _, err := Decode(strings.NewReader(in)); err == nil {
			t.Errorf("Decode(%q) = nil error", in)
		}
	}
}

// BenchmarkReadDirEscapes decodes the captured compiler diagnostics and
// extracts the escapes.
func BenchmarkReadDirEscapes(b *testing.B) {
	for b.Loop() {
		files, err := ReadDir("../../testdata/captured/compiler")
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range files {
			Escapes(f)
		}
	}
}
