package ebpfprobe

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

//go:embed testdata/allocprog/main.go
var allocProgSrc []byte

// Lab is the eBPF hands-on lab of `gocap run`: doctor, a short TCP trace of
// loopback connections it makes itself, a malloc trace of a Go program it
// builds, the policy demo, and a check that no program stayed loaded.
var Lab = labs.Lab{
	ID:        labID,
	Name:      labName,
	Dimension: labID,
	Run:       runLab,
}

const (
	labID   = "ebpf"
	labName = "eBPF probes from Go (tracepoint, uprobe, TCX policy)"
)

func runLab(ctx context.Context, o labs.Options) reports.Lab {
	start := time.Now()
	progress := func(m string) {
		if o.Progress != nil {
			o.Progress(m)
		}
	}
	l := reports.Lab{ID: labID, Name: labName, Dimension: labID}
	before, countErr := CountPrograms()
	progress("doctor")
	l.Steps = append(l.Steps, labs.Step("doctor", func() (string, []reports.Metric, error) { return labDoctor(ctx) }))
	progress("tcp trace")
	l.Steps = append(l.Steps, labs.Step("tcp lifecycle trace (loopback)", func() (string, []reports.Metric, error) { return labTCP(ctx) }))
	progress("malloc trace")
	l.Steps = append(l.Steps, labs.Step("malloc uprobe on a Go program", func() (string, []reports.Metric, error) { return labMalloc(ctx, o.WorkDir) }))
	progress("policy demo")
	l.Steps = append(l.Steps, labs.Step("policy enforcement demo (netns + TCX)", func() (string, []reports.Metric, error) { return labPolicy(ctx) }))
	l.Steps = append(l.Steps, labs.Step("no leaked kernel programs", func() (string, []reports.Metric, error) {
		if countErr != nil {
			return "", nil, skipIfPerm(countErr)
		}
		after, err := CountPrograms()
		if err != nil {
			return "", nil, err
		}
		ms := []reports.Metric{{Name: "programs_before", Value: float64(before)}, {Name: "programs_after", Value: float64(after)}}
		if after != before {
			return "", ms, fmt.Errorf("%d programs before the lab, %d after", before, after)
		}
		return fmt.Sprintf("%d kernel programs before and after", before), ms, nil
	}))
	labs.Finish(&l, start)
	return l
}

// skipIfPerm turns a missing privilege or hook into a skipped step.
func skipIfPerm(err error) error {
	var pe *PermissionError
	var ue *UnsupportedError
	switch {
	case errors.As(err, &pe):
		return &labs.Skip{Reason: pe.Error()}
	case errors.As(err, &ue):
		return &labs.Skip{Reason: ue.Error()}
	case errors.Is(err, os.ErrPermission):
		return &labs.Skip{Reason: "needs root: " + err.Error()}
	}
	return err
}

func labDoctor(ctx context.Context) (string, []reports.Metric, error) {
	if err := require(need{perf: true, net: true}); err != nil {
		return "", nil, skipIfPerm(err)
	}
	r := Doctor(ctx)
	var ok, unsup, fail int
	var missing, broken []string
	for _, it := range r.Items {
		switch it.Status {
		case StatusOK:
			ok++
		case StatusUnsupported:
			unsup++
			missing = append(missing, it.Name)
		case StatusFail:
			if it.Needed {
				fail++
				broken = append(broken, it.Name+": "+it.Detail)
			}
		}
	}
	ms := []reports.Metric{{Name: "ok", Value: float64(ok)}, {Name: "unsupported", Value: float64(unsup)}, {Name: "failed", Value: float64(fail)}}
	if fail > 0 {
		return "", ms, fmt.Errorf("needed hooks broken: %s", strings.Join(broken, "; "))
	}
	return fmt.Sprintf("%d checks ok; unsupported here (not needed): %s", ok, strings.Join(missing, ", ")), ms, nil
}

func labTCP(ctx context.Context) (string, []reports.Metric, error) {
	ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	ready := make(chan struct{})
	var mu sync.Mutex
	seen := map[netip.AddrPort]Conn{}
	type result struct {
		st  TCPStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := TraceTCP(ctx, TCPOptions{PID: os.Getpid(), Ready: func() { close(ready) }}, func(c Conn) {
			if c.Active {
				mu.Lock()
				seen[c.Local] = c
				mu.Unlock()
			}
		})
		done <- result{st, err}
	}()
	select {
	case <-ready:
	case r := <-done:
		return "", nil, skipIfPerm(r.err)
	}
	var want []netip.AddrPort
	var refusedAt netip.AddrPort
	for _, spec := range [][2]string{{"tcp4", "127.0.0.1:0"}, {"tcp6", "[::1]:0"}} {
		ln, err := net.Listen(spec[0], spec[1])
		if err != nil {
			cancel()
			<-done
			return "", nil, err
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				// The server only drains: the lab checks that the tracer saw
				// the connection, which a reset mid-copy does not change.
				_, _ = io.Copy(io.Discard, c)
				_ = c.Close()
			}
		}()
		for i := 0; i < 10; i++ {
			c, err := net.Dial(spec[0], ln.Addr().String())
			if err == nil {
				if _, err = c.Write([]byte("gocap")); err == nil {
					want = append(want, netip.MustParseAddrPort(c.LocalAddr().String()))
				}
				err = errors.Join(err, c.Close())
			}
			if err != nil {
				_ = ln.Close() // the dial or write error is the one to report
				cancel()
				<-done
				return "", nil, err
			}
		}
		defer func() { _ = ln.Close() }() // teardown: the connections were made
	}
	if l, err := net.Listen("tcp4", "127.0.0.1:0"); err == nil {
		addr := l.Addr().String()
		// Closing frees the port so the connect below is refused.
		if err := l.Close(); err != nil {
			cancel()
			<-done
			return "", nil, fmt.Errorf("freeing a port for the refused connect: %w", err)
		}
		if c, err := net.Dial("tcp4", addr); err == nil {
			_ = c.Close() // something took the port: the check below reports the missing refusal
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	missing := len(want)
	refused := 0
	for time.Now().Before(deadline) {
		mu.Lock()
		missing, refused = 0, 0
		for _, w := range want {
			if _, ok := seen[w]; !ok {
				missing++
			}
		}
		for _, c := range seen {
			if c.Refused {
				refused++
				refusedAt = c.Remote
			}
		}
		mu.Unlock()
		if missing == 0 && refused > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	r := <-done
	if r.err != nil {
		return "", nil, skipIfPerm(r.err)
	}
	var lats []float64
	mu.Lock()
	for _, w := range want {
		if c, ok := seen[w]; ok {
			lats = append(lats, float64(c.Latency.Nanoseconds())/1e3)
		}
	}
	mu.Unlock()
	sort.Float64s(lats)
	ms := []reports.Metric{
		{Name: "connections_made", Value: float64(len(want))},
		{Name: "connections_seen", Value: float64(len(want) - missing)},
		{Name: "refused_seen", Value: float64(refused)},
		{Name: "events_lost", Value: float64(r.st.Lost)},
	}
	if len(lats) > 0 {
		ms = append(ms, reports.Metric{Name: "connect_latency_p50", Value: lats[len(lats)/2], Unit: "µs"}, reports.Metric{Name: "connect_latency_max", Value: lats[len(lats)-1], Unit: "µs"})
	}
	if missing > 0 {
		return "", ms, fmt.Errorf("%d of %d loopback connections not seen", missing, len(want))
	}
	if refused == 0 {
		return "", ms, errors.New("the refused connect was not reported as refused")
	}
	return fmt.Sprintf("saw all %d loopback connections (IPv4+IPv6, p50 connect %.0f µs) and the refused connect to %v", len(want), lats[len(lats)/2], refusedAt), ms, nil
}

func labMalloc(ctx context.Context, workDir string) (_ string, _ []reports.Metric, err error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", nil, &labs.Skip{Reason: "the go toolchain is not on PATH: needed to build the traced program"}
	}
	if err := require(need{perf: true}); err != nil {
		return "", nil, skipIfPerm(err)
	}
	if workDir == "" {
		d, err := os.MkdirTemp("", "gocap-ebpf-lab-")
		if err != nil {
			return "", nil, err
		}
		defer func() { err = errors.Join(err, os.RemoveAll(d)) }()
		workDir = d
	}
	src := filepath.Join(workDir, "main.go")
	if err := os.WriteFile(src, allocProgSrc, 0o644); err != nil {
		return "", nil, err
	}
	bin := filepath.Join(workDir, "allocprog")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, "main.go")
	cmd.Dir = workDir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GO111MODULE=on")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("building the test program: %w: %s", err, strings.TrimSpace(string(out)))
	}
	const n = 20000
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	res, err := TraceMalloc(tctx, MallocOptions{Cmd: []string{bin, "-n", fmt.Sprint(n)}, SampleBytes: 64 << 10})
	if err != nil {
		return "", nil, skipIfPerm(err)
	}
	ms := []reports.Metric{
		{Name: "allocations", Value: float64(res.Count)},
		{Name: "bytes", Value: float64(res.Bytes), Unit: "B"},
		{Name: "allocs_per_second", Value: res.PerSecond, Unit: "allocs/s"},
		{Name: "stack_samples", Value: float64(res.Samples)},
		{Name: "lost_samples", Value: float64(res.Lost)},
	}
	if len(res.Sites) == 0 {
		return "", ms, errors.New("no allocation sites sampled")
	}
	top := res.Sites[0]
	var total uint64
	for _, s := range res.Sites {
		total += s.Bytes
	}
	share := float64(top.Bytes) / float64(total)
	ms = append(ms, reports.Metric{Name: "top_site_share", Value: share * 100, Unit: "%"})
	if top.Function != "main.allocPages" {
		return "", ms, fmt.Errorf("top allocation site %s, want main.allocPages", top.Function)
	}
	if res.Count < n {
		return "", ms, fmt.Errorf("counted %d allocations, the program makes at least %d", res.Count, n)
	}
	return fmt.Sprintf("%d allocations (%.0f/s); top site %s %s:%d with %.0f%% of sampled bytes", res.Count, res.PerSecond, top.Function, filepath.Base(top.File), top.Line, share*100), ms, nil
}

func labPolicy(ctx context.Context) (string, []reports.Metric, error) {
	res, err := PolicyDemo(ctx, nil)
	if err != nil {
		return "", nil, skipIfPerm(err)
	}
	var ms []reports.Metric
	for i, r := range res.Hits.Rules {
		ms = append(ms, reports.Metric{Name: fmt.Sprintf("rule%d_hits", i+1), Value: float64(r.Hits)})
	}
	ms = append(ms, reports.Metric{Name: "unmatched_packets", Value: float64(res.Hits.Unmatched)})
	allowed, denied := 0, 0
	for _, a := range res.Attempts {
		if a.Allowed != a.Want {
			return "", ms, fmt.Errorf("connect %s: allowed=%v, rules say %v", a.Target, a.Allowed, a.Want)
		}
		if a.Allowed {
			allowed++
		} else {
			denied++
		}
	}
	return fmt.Sprintf("%d allowed and %d denied connections as the %d rules say (IPv4+IPv6, TCX egress in a netns)", allowed, denied, len(res.Rules)), ms, nil
}
