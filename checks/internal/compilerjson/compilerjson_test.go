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
	// esc, hot, ret and sync/atomic's type.go (inlined into ret).
	if len(files) != 4 {
		t.Fatalf("got %d files, want 4", len(files))
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

// TestReturnedCaptured classifies the escapes of the captured esc, hot and
// ret packages: returned values (a result reached by a return statement, a
// named result assigned directly, an error made by an inlined errors.New)
// against values a global, an interface argument, a channel send, a
// goroutine, a closure or a loop-outer variable forces onto the heap.
func TestReturnedCaptured(t *testing.T) {
	files, err := ReadDir("../../testdata/captured/compiler")
	if err != nil {
		t.Fatal(err)
	}
	// The named results of the enclosing functions (funcname.Results in
	// the escape leg): Collect's items at ret.go:32, the closure's n at 81.
	results := map[string][]string{"ret.go:32": {"items"}, "ret.go:81": {"n"}}
	got := map[string]bool{}
	for _, f := range files[:3] {
		for _, e := range Escapes(f) {
			if e.Kind == LeakParam {
				if e.Returned([]string{"~r0"}) {
					t.Errorf("leaking parameter %s:%d is a returned escape", e.File, e.Line)
				}
				continue
			}
			at := e.File[strings.LastIndexByte(e.File, '/')+1:] + ":" + strconv.Itoa(e.Line)
			got[at+" "+e.Message] = e.Returned(results[at])
		}
	}
	want := map[string]bool{
		"hot.go:12 &Point{} escapes to heap":                      true,  // p := &Point{}; return p
		"esc.go:15 y escapes to heap":                             true,  // return &y
		"esc.go:26 func literal escapes to heap":                  true,  // return func() ...
		"esc.go:25 n escapes to heap":                             false, // captured by that closure
		"esc.go:21 s escapes to heap":                             false, // fmt.Sprint argument
		"esc.go:33 v escapes to heap":                             false, // sink = &v
		"ret.go:17 make([]string, 0, len(items)) escapes to heap": true,
		"ret.go:19 append(out, it.Name) escapes to heap":          true,
		"ret.go:26 &Item{...} escapes to heap":                    true,
		"ret.go:32 append(items, &Item{}) escapes to heap":        true,  // named result, bare return
		"ret.go:32 &Item{} escapes to heap":                       false, // stored through append's parameter
		"ret.go:40 &errors.errorString{...} escapes to heap":      true,  // inlined errors.New, returned
		"ret.go:47 &Item{...} escapes to heap":                    false, // fmt.Println argument
		"ret.go:52 &Item{...} escapes to heap":                    false, // global
		"ret.go:57 &Item{...} escapes to heap":                    false, // global, and returned
		"ret.go:65 &Item{...} escapes to heap":                    false, // channel send
		"ret.go:65 func literal escapes to heap":                  false, // goroutine
		"ret.go:73 &Item{...} escapes to heap":                    false, // variable outside the loop
		"ret.go:80 c escapes to heap":                             false, // captured by a closure
		"ret.go:81 func literal escapes to heap":                  true,
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("no escape %q; got %v", k, got)
		} else if g != w {
			t.Errorf("%s: returned = %v, want %v", k, g, w)
		}
	}
	// Without the result names the bare-return case is not recognised, and
	// a name never matches inside inlined code.
	for _, e := range Escapes(files[2]) {
		if e.Line == 32 && e.Kind == HeapEscape && strings.HasPrefix(e.Message, "append") {
			if e.Returned(nil) {
				t.Error("append at ret.go:32 returned without result names")
			}
			e.Inlined = []string{"/x.go:1"}
			if e.Returned([]string{"items"}) {
				t.Error("inlined escape matched a result by name")
			}
		}
	}
}

func TestFlowRoot(t *testing.T) {
	for _, c := range []struct {
		flow     []string
		root     string
		byReturn bool
	}{
		{nil, "", false},
		{[]string{"flow: ~r0 ← p:", "from return p (return)"}, "~r0", true},
		{[]string{"flow: x ← &{storage for f()}:", "from return x (return)", "flow: {heap} ← x:", "from sink = x (assign)"}, "{heap}", false},
		{[]string{"flow: items ← &{storage for append(items, v)}:", "from items = append(items, v) (assign)"}, "items", false},
	} {
		if root, br := FlowRoot(c.flow); root != c.root || br != c.byReturn {
			t.Errorf("FlowRoot(%q) = %q, %v; want %q, %v", c.flow, root, br, c.root, c.byReturn)
		}
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
