package checks

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/reports"
)

// TestLeakLegFindsPlantedGoroutine: the goroutine Watch starts and never
// stops is reported at its go statement; the parallel test beside it and
// the stall package's benchmarks-only tests add nothing.
func TestLeakLegFindsPlantedGoroutine(t *testing.T) {
	env := testEnv(t, "runtime")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Leak.Run(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("summary: %s", res.Summary)
	wants := rtWants(t, env.Dir, "leaky")
	if len(wants) != 1 {
		t.Fatalf("want marks %v", wants)
	}
	w := wants[0]
	if len(res.Findings) != 1 {
		t.Fatalf("findings %+v, want one at %s:%d", res.Findings, w.file, w.line)
	}
	f := res.Findings[0]
	if f.File != w.file || f.Line != w.line || !w.re.MatchString(f.Rule+" "+f.Message) || f.Severity != reports.SevWarning || f.Dimension != reports.DimConcurrency {
		t.Errorf("finding %+v, want goroutine-leak at %s:%d", f, w.file, w.line)
	}
	if !strings.Contains(f.Message, "example.com/runtime/leaky.Watch") || !strings.Contains(f.Message, "chan receive") {
		t.Errorf("message %q", f.Message)
	}
}

// TestLeakLegQuietOnClean: the clean module's tests leave nothing running.
func TestLeakLegQuietOnClean(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Leak.Run(ctx, testEnv(t, "clean"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || !strings.Contains(res.Summary, "0 goroutines") {
		t.Errorf("clean: %s %+v", res.Summary, res.Findings)
	}
}

func TestParseGoleak(t *testing.T) {
	text := "found unexpected goroutines:\n[Goroutine 21 in state chan receive, with example.com/m.Watch.func1 on top of the stack:\n" +
		"example.com/m.Watch.func1()\n\t/src/m/w.go:9 +0x25\ncreated by example.com/m.Watch in goroutine 20\n\t/src/m/w.go:8 +0x6f\n" +
		" Goroutine 22 in state select, with net/http.(*persistConn).readLoop on top of the stack:\n" +
		"net/http.(*persistConn).readLoop(0xc000)\n\t/go/src/net/http/transport.go:2200 +0x1\ncreated by net/http.(*Transport).dialConn in goroutine 9\n\t/go/src/net/http/transport.go:1800 +0x2\n]"
	gs := parseGoleak(text)
	if len(gs) != 2 {
		t.Fatalf("%+v", gs)
	}
	g := gs[0]
	if g.state != "chan receive" || g.top != "example.com/m.Watch.func1" || g.createdBy != "example.com/m.Watch" || g.createdAt != "/src/m/w.go:8" || len(g.frames) != 1 || g.frames[0] != "/src/m/w.go:9" {
		t.Errorf("%+v", g)
	}
	env := &Env{Dir: "/src/m"}
	if file, line, _, ok := leakLocation(env, g); !ok || file != "w.go" || line != 8 {
		t.Errorf("location %s:%d", file, line)
	}
	if gs[1].createdBy != "net/http.(*Transport).dialConn" || strings.HasSuffix(gs[1].stack, "]") {
		t.Errorf("%+v", gs[1])
	}
	if !blockedState("chan receive") || !blockedState("select, 3 minutes") || !blockedState("sync.WaitGroup.Wait") || blockedState("sleep") || blockedState("running") {
		t.Error("blockedState")
	}
	if _, _, _, ok := leakLocation(env, gs[1]); ok {
		t.Error("a keep-alive reader with no frame in the module was placed in it")
	}
}
