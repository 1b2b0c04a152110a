package loadgen

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildTarget builds testdata/target and returns its path and a free address.
func buildTarget(t *testing.T) (string, string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "target")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/target").CombinedOutput(); err != nil {
		t.Fatalf("building the target: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return bin, addr
}

// TestTargetJoin: with a started target (eBPF tracer as root, then
// gctrace), the load is joined with the target's GC pauses, goroutines and
// heap, and the planted growth in main.retain heads the heap stacks.
func TestTargetJoin(t *testing.T) {
	bin, addr := buildTarget(t)
	for _, gctrace := range []bool{false, true} {
		url := "http://" + addr + "/grow"
		tgt, err := StartTarget(context.Background(), url, TargetOptions{Cmd: []string{bin, "-addr", addr}, Gctrace: gctrace})
		if err != nil {
			t.Fatal(err)
		}
		tgt.Before(context.Background())
		res, err := Run(context.Background(), Options{URL: url, Rate: 400, Duration: time.Second})
		if err != nil {
			tgt.Close()
			t.Fatal(err)
		}
		rep := tgt.After(context.Background())
		tgt.Close()
		want := "ebpf"
		if gctrace {
			want = "gctrace"
		}
		if rep.GC == nil || rep.GC.Source != want || rep.GC.GCPauses < 2 || rep.GC.Max <= 0 {
			t.Errorf("%s: GC join %+v, notes %v", want, rep.GC, rep.Notes)
		}
		if rep.GoroutinesBefore < 2 || rep.GoroutinesAfter < 2 {
			t.Errorf("%s: goroutines %d → %d", want, rep.GoroutinesBefore, rep.GoroutinesAfter)
		}
		// Each request kept 64 KiB; the heap profile samples one per 512 KiB
		// allocated on average, so its estimate is allowed to be half.
		if grown := rep.HeapAfter - rep.HeapBefore; grown < int64(res.Requests)*(64<<10)/2 {
			t.Errorf("%s: heap %d → %d after %d requests keeping 64 KiB", want, rep.HeapBefore, rep.HeapAfter, res.Requests)
		}
		if len(rep.HeapGrowth) == 0 || !strings.HasPrefix(strings.Join(rep.HeapGrowth[0].Stack, ";"), "main.retain main.go:") {
			t.Errorf("%s: heap growth %+v, want main.retain on top", want, rep.HeapGrowth)
		}
		t.Logf("%s: %d requests, GC %+v, goroutines %d→%d, heap %d→%d", want, res.Requests, *rep.GC, rep.GoroutinesBefore, rep.GoroutinesAfter, rep.HeapBefore, rep.HeapAfter)
	}
}

func TestParseGctrace(t *testing.T) {
	ps, ok := parseGctrace("gc 12 @1.234s 5%: 0.021+1.5+0.030 ms clock, 0.042+0.5/1.2/0+0.060 ms cpu, 4->4->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P")
	if !ok || len(ps) != 2 {
		t.Fatalf("%v %v", ps, ok)
	}
	var sum time.Duration
	for _, p := range ps {
		sum += p.Total
		if !p.GC {
			t.Errorf("%+v", p)
		}
	}
	if sum != 51*time.Microsecond {
		t.Errorf("STW sum %v, want 51µs (0.021 + 0.030 ms)", sum)
	}
	if _, ok := parseGctrace("scvg: 0 MB released"); ok {
		t.Error("a scavenger line parsed as a GC")
	}
}

// TestTargetPID: attached to a running process by pid, the eBPF tracer
// joins its pauses; pprof is read from the URL's host.
func TestTargetPID(t *testing.T) {
	bin, addr := buildTarget(t)
	cmd := exec.Command(bin, "-addr", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }() // stopped on purpose
	url := "http://" + addr + "/grow"
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close() // a readiness probe
			break
		} else if i > 200 {
			t.Fatal(err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	tgt, err := StartTarget(context.Background(), url, TargetOptions{PID: cmd.Process.Pid})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	tgt.Before(context.Background())
	if _, err := Run(context.Background(), Options{URL: url, Rate: 300, Duration: 700 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	rep := tgt.After(context.Background())
	if rep.PID != cmd.Process.Pid || rep.GC == nil || rep.GC.Source != "ebpf" || rep.GC.GCPauses == 0 || rep.GoroutinesBefore == 0 {
		t.Errorf("report %+v (GC %+v)", rep, rep.GC)
	}
}
