package reports

import (
	"strings"
	"testing"
)

// TestHTMLSharedPage: the page is meant to be shared, so it shows no local
// cache or GOROOT paths (profiles kept in gocap's cache, module-cache and
// GOROOT frames), no "see #errcheck" box (a relative anchor an analyzer
// without a URL produced), profile numbers in units (420 ns, not 420) and
// lab metrics with their units apart (compile 412 ms).
func TestHTMLSharedPage(t *testing.T) {
	r := fixtureReport()
	r.Profiles[0].Path = "/root/.cache/gocap/pprof/example.com-calc/1/calc.cpu.pprof"
	r.Profiles = append(r.Profiles, ProfileTop{Package: "example.com/calc/calc", Kind: "alloc_space", Unit: "bytes", Total: 82007291,
		Top: []ProfileFunc{{Func: "example.com/calc/calc.Parse", Flat: 82007291, Cum: 82007291, Pct: 100}}})
	r.Races[0].Accesses[0].Stack = append(r.Races[0].Accesses[0].Stack,
		Frame{Func: "testing.tRunner", File: "/usr/local/go/src/testing/testing.go", Line: 1934},
		Frame{Func: "github.com/x/y.F", File: "/root/go/pkg/mod/github.com/x/y@v1.2.3/y.go", Line: 7})
	r.Checks[0].Findings[0].Detail = "see #errcheck"
	out := string(render(t, r, "html", RenderOptions{Root: fixtureRoot}))
	for _, bad := range []string{"/root/", "/usr/local/go", "see #errcheck", ">420<", "82007291"} {
		if strings.Contains(out, bad) {
			t.Errorf("the page shows %q", bad)
		}
	}
	for _, want := range []string{"go tool pprof calc.cpu.pprof", "total 1 µs", ">420 ns<", "78.2 MiB", "$GOROOT/src/testing/testing.go:1934", "github.com/x/y@v1.2.3/y.go:7", "compile 412 ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestSharePath: relative paths stay; machine paths are shortened.
func TestSharePath(t *testing.T) {
	for in, want := range map[string]string{
		"pprof/calc.cpu.pprof":                 "pprof/calc.cpu.pprof",
		"/root/.cache/gocap/pprof/m/1/x.pprof": "x.pprof",
		"/usr/local/go/src/runtime/proc.go":    "$GOROOT/src/runtime/proc.go",
		"/home/u/go/pkg/mod/a.b/c@v1.0.0/d.go": "a.b/c@v1.0.0/d.go",
		"":                                     "",
	} {
		if got := SharePath(in); got != want {
			t.Errorf("SharePath(%q) = %q, want %q", in, got, want)
		}
	}
}
