package ebpfprobe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	gcProgOnce sync.Once
	gcProgPath string
	gcProgErr  error
)

// buildGCProg builds testdata/gcprog once per test binary (TestMain's
// cleanup removes its folder with removeGCProg).
func buildGCProg(t testing.TB) string {
	t.Helper()
	gcProgOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gocap-gcprog-")
		if err != nil {
			gcProgErr = err
			return
		}
		gcProgPath = filepath.Join(dir, "gcprog")
		out, err := exec.Command("go", "build", "-o", gcProgPath, "./testdata/gcprog").CombinedOutput()
		if err != nil {
			gcProgErr = errors.New(string(out))
		}
	})
	if gcProgErr != nil {
		t.Fatalf("building gcprog: %v", gcProgErr)
	}
	return gcProgPath
}

func removeGCProg() {
	if gcProgPath != "" {
		_ = os.RemoveAll(filepath.Dir(gcProgPath)) // best effort: a temp folder
	}
}

type gcProgReport struct {
	GC struct {
		Count int     `json:"count"`
		P50Lo float64 `json:"p50_lo_ns"`
		P50Hi float64 `json:"p50_hi_ns"`
	} `json:"gc"`
	Other struct {
		Count int `json:"count"`
	} `json:"other"`
	NumGC uint32 `json:"num_gc"`
}

// TestTraceGCMatchesRuntime: the tracer's count of GC pauses equals the
// target's own (/sched/pauses/total/gc:seconds) within 5%, and its median
// lies within 2× of the bucket the runtime's median falls in.
func TestTraceGCMatchesRuntime(t *testing.T) {
	prog := buildGCProg(t)
	noLeak(t, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var out strings.Builder
		var seen []Pause
		res, err := TraceGC(ctx, GCOptions{Cmd: []string{prog, "-gcs", "40", "-memstats", "7", "-alloc", "32"}, Stdout: &out},
			func(p Pause) { seen = append(seen, p) })
		if err != nil {
			t.Fatalf("TraceGC: %v", err)
		}
		var own gcProgReport
		if err := json.Unmarshal([]byte(out.String()), &own); err != nil {
			t.Fatalf("program output %q: %v", out.String(), err)
		}
		if !res.Exact {
			t.Errorf("the record call sites were not found: totals are approximate")
		}
		if own.GC.Count < 80 {
			t.Fatalf("the program counted %d GC pauses, want ≥ 80 (40 forced GCs, 2 pauses each)", own.GC.Count)
		}
		if d := res.GCPauses - own.GC.Count; d*20 > own.GC.Count || -d*20 > own.GC.Count {
			t.Errorf("tracer saw %d GC pauses, the runtime counted %d: more than 5%% apart", res.GCPauses, own.GC.Count)
		}
		if got := res.ByReason["read mem stats"].Count; got < 7 {
			t.Errorf("read mem stats pauses %d, want ≥ 7; by reason %+v", got, res.ByReason)
		}
		var gcDur []time.Duration
		for _, p := range seen {
			if p.GC {
				gcDur = append(gcDur, p.Total)
			}
			if p.PID != res.PID || p.Total <= 0 || p.Stopping > p.Total {
				t.Errorf("pause %+v (traced pid %d)", p, res.PID)
				break
			}
		}
		p50 := float64(Percentile(gcDur, 0.5))
		if p50 < own.GC.P50Lo/2 || p50 > own.GC.P50Hi*2 {
			t.Errorf("tracer GC p50 %.0f ns, the runtime's median bucket [%.0f, %.0f) ns: not within 2×", p50, own.GC.P50Lo, own.GC.P50Hi)
		}
		t.Logf("GC pauses: tracer %d, runtime %d; p50 tracer %.0f ns, runtime bucket [%.0f, %.0f); other %d vs %d; max %v",
			res.GCPauses, own.GC.Count, p50, own.GC.P50Lo, own.GC.P50Hi, res.Pauses-res.GCPauses, own.Other.Count, res.Max)
		if len(res.Hist) == 0 || res.P99 < res.P50 || res.Max < res.P99 {
			t.Errorf("summary %+v", res)
		}
	})
}

// TestTraceGCPIDFiltered: attached by pid, pauses of another process of the
// same binary are not counted.
func TestTraceGCPIDFiltered(t *testing.T) {
	prog := buildGCProg(t)
	var cmds []*exec.Cmd
	for range 2 {
		c := exec.Command(prog, "-gcs", "5", "-memstats", "0", "-alloc", "1", "-loop", "30s")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	defer func() {
		for _, c := range cmds {
			_ = c.Process.Kill() // killed on purpose: the status is moot
			_ = c.Wait()
		}
	}()
	noLeak(t, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
		defer cancel()
		want := cmds[0].Process.Pid
		other := 0
		res, err := TraceGC(ctx, GCOptions{PID: want}, func(p Pause) {
			if p.PID != want {
				other++
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.GCPauses == 0 || other != 0 {
			t.Errorf("%d GC pauses, %d from another process", res.GCPauses, other)
		}
	})
}

// TestTraceGCRejects: a non-Go program and an old Go say so (ErrNotGo /
// ErrNoSTWSymbols), before any privilege is needed.
func TestTraceGCRejects(t *testing.T) {
	if _, err := TraceGC(context.Background(), GCOptions{Exe: "/bin/true"}, nil); !errors.Is(err, ErrNotGo) {
		t.Errorf("/bin/true: %v, want ErrNotGo", err)
	}
	if goAtLeast("go1.21.13", 1, 22) || !goAtLeast("go1.22.0", 1, 22) || !goAtLeast("go1.26rc1", 1, 22) || !goAtLeast("go2.0", 1, 22) {
		t.Error("goAtLeast")
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i))
	}
	if Percentile(ds, 0.5) != 50 || Percentile(ds, 0.99) != 99 || Percentile(ds, 1) != 100 || Percentile(nil, 0.5) != 0 {
		t.Errorf("p50 %v p99 %v max %v", Percentile(ds, 0.5), Percentile(ds, 0.99), Percentile(ds, 1))
	}
}

// TestTraceGCOldRuntime: a Go binary whose build information says go1.21
// (gcprog with its version string rewritten) gets ErrNoSTWSymbols and one
// line naming the version and the fix, before any probe is attached.
func TestTraceGCOldRuntime(t *testing.T) {
	prog := buildGCProg(t)
	data, err := os.ReadFile(prog)
	if err != nil {
		t.Fatal(err)
	}
	v := runtime.Version()
	if !strings.HasPrefix(v, "go1.2") || len(v) < 6 {
		t.Fatalf("toolchain %s: the rewrite below expects go1.2x", v)
	}
	old := "go1.21" + v[6:]
	n := bytes.Count(data, []byte(v))
	if n == 0 {
		t.Fatalf("%s not found in the binary", v)
	}
	fake := filepath.Join(t.TempDir(), "oldgo")
	if err := os.WriteFile(fake, bytes.ReplaceAll(data, []byte(v), []byte(old)), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = TraceGC(context.Background(), GCOptions{Exe: fake}, nil)
	if !errors.Is(err, ErrNoSTWSymbols) || !strings.Contains(err.Error(), old) || !strings.Contains(err.Error(), "Go ≥ 1.22") || strings.Contains(err.Error(), "\n") {
		t.Errorf("err %v, want one line naming %s and Go ≥ 1.22", err, old)
	}
}
