package mtls

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// maxInFlight caps concurrent handshakes: past it the run falls behind its
// rate (reported as a lower handshakes/s) instead of piling up connections
// whose SVIDs could expire mid-handshake.
const maxInFlight = 64

// BenchOptions configures RunBench.
type BenchOptions struct {
	Rate     int           // handshakes per second; default 200
	Duration time.Duration // default 60s
	SVIDTTL  time.Duration // embedded issuer; default 10s
	// TrustDomain, WorkloadAPI, WorkDir, ServerID and ClientID as in DemoOptions.
	TrustDomain        spiffeid.TrustDomain
	WorkloadAPI        string
	WorkDir            string
	ServerID, ClientID spiffeid.ID
	// Progress, when set, gets a status line about once a second.
	Progress func(string)
}

// BenchResult is a steady-rate handshake run through SVID rotations.
type BenchResult struct {
	WorkloadAPI string        `json:"workload_api"`
	SVIDTTL     time.Duration `json:"svid_ttl_ns,omitempty"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	Attempted   int           `json:"attempted"`
	Succeeded   int           `json:"succeeded"`
	Failed      int           `json:"failed"`
	PerSecond   float64       `json:"handshakes_per_second"`
	// Latency of dial + TLS handshake + first answer (the server's accept).
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
	// Latency of the client-side TLS handshake alone.
	HandshakeP50 time.Duration `json:"handshake_p50_ns"`
	HandshakeP99 time.Duration `json:"handshake_p99_ns"`
	// Rotations seen: distinct server SVIDs the client saw, and distinct
	// client SVIDs the server saw, each minus one.
	ServerRotations int `json:"server_rotations"`
	ClientRotations int `json:"client_rotations"`
	// IssuerRotations counts the embedded issuer's pushes (0 with an
	// external Workload API).
	IssuerRotations int      `json:"issuer_rotations"`
	Errors          []string `json:"errors,omitempty"` // first distinct failures
}

// Rotations is the smaller of the rotations seen on each side.
func (r *BenchResult) Rotations() int { return min(r.ServerRotations, r.ClientRotations) }

// RunBench performs mTLS handshakes between a server and a client workload
// (SVIDs from the Workload API, as in RunDemo) at a steady rate for the
// duration, through SVID rotations, and measures them. It returns an error
// only when the run could not start.
func RunBench(ctx context.Context, o BenchOptions) (_ *BenchResult, err error) {
	if o.Rate == 0 {
		o.Rate = 200
	}
	if o.Duration == 0 {
		o.Duration = 60 * time.Second
	}
	if o.SVIDTTL == 0 {
		o.SVIDTTL = 10 * time.Second
	}
	if o.Rate < 1 || o.Rate > 10000 {
		return nil, fmt.Errorf("rate %d: use 1 to 10000 handshakes per second", o.Rate)
	}
	d := DemoOptions{TrustDomain: o.TrustDomain, WorkloadAPI: o.WorkloadAPI, WorkDir: o.WorkDir, SVIDTTL: o.SVIDTTL, ServerID: o.ServerID, ClientID: o.ClientID}
	if err := d.defaults(); err != nil {
		return nil, err
	}
	res := &BenchResult{WorkloadAPI: d.WorkloadAPI}
	var issuer *Issuer
	if d.WorkloadAPI == "" {
		entries, err := d.entries()
		if err != nil {
			return nil, err
		}
		is, err := StartIssuer(ctx, d.TrustDomain, d.WorkDir, d.SVIDTTL, entries)
		if err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, is.Close()) }()
		issuer = is
		res.WorkloadAPI, res.SVIDTTL = is.Addr(), d.SVIDTTL
	}
	w, err := startWorkloads(ctx, res.WorkloadAPI, d.ServerID, d.ClientID, d.SourceTimeout)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, w.Close()) }()
	cfg := ClientConfig(w.clientSrc, w.clientSrc, d.ServerID)

	// The server's view: which client SVIDs it accepted.
	clientSerials := map[string]bool{}
	evDone := make(chan struct{})
	evCtx, evCancel := context.WithCancel(ctx)
	go func() {
		defer close(evDone)
		for {
			select {
			case ev := <-w.server.Events():
				if ev.Err == nil {
					clientSerials[ev.PeerSerial] = true
				}
			case <-evCtx.Done():
				return
			}
		}
	}()

	var (
		mu            sync.Mutex
		totals, hands []time.Duration
		serverSerials = map[string]bool{}
		errSeen       = map[string]bool{}
		wg            sync.WaitGroup
	)
	sem := make(chan struct{}, maxInFlight)
	interval := time.Second / time.Duration(o.Rate)
	start := time.Now()
	lastProgress := start
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if at.Sub(start) >= o.Duration {
			break
		}
		if dl := time.Until(at); dl > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(dl):
			}
		}
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		res.Attempted++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			h, err := Dial(ctx, w.server.Addr(), cfg)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed++
				if msg := err.Error(); !errSeen[msg] && len(res.Errors) < 5 {
					errSeen[msg] = true
					res.Errors = append(res.Errors, msg)
				}
				return
			}
			res.Succeeded++
			totals = append(totals, h.Total)
			hands = append(hands, h.Handshake)
			serverSerials[h.PeerSerial] = true
		}()
		if o.Progress != nil && time.Since(lastProgress) > time.Second {
			lastProgress = time.Now()
			mu.Lock()
			o.Progress(fmt.Sprintf("%s/%s: %d handshakes, %d failed, %d server SVIDs seen", time.Since(start).Round(time.Second), o.Duration, res.Succeeded, res.Failed, len(serverSerials)))
			mu.Unlock()
		}
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	time.Sleep(50 * time.Millisecond) // let the last server events arrive
	evCancel()
	<-evDone
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if res.Succeeded == 0 && res.Failed > 0 {
		return res, errors.New("every handshake failed: " + res.Errors[0])
	}
	res.PerSecond = float64(res.Succeeded) / res.Elapsed.Seconds()
	res.P50, res.P99, res.Max = percentile(totals, 0.50), percentile(totals, 0.99), percentile(totals, 1)
	res.HandshakeP50, res.HandshakeP99 = percentile(hands, 0.50), percentile(hands, 0.99)
	res.ServerRotations = max(len(serverSerials)-1, 0)
	res.ClientRotations = max(len(clientSerials)-1, 0)
	if issuer != nil {
		res.IssuerRotations = issuer.Server.Rotations()
	}
	return res, nil
}

// percentile returns the p-quantile (nearest rank) of ds; it sorts ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(p*float64(len(ds))+0.5) - 1
	i = max(0, min(i, len(ds)-1))
	return ds[i]
}
