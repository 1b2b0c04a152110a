package mtls

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
)

// Lab is the SPIFFE mTLS hands-on lab of `gocap run` (dimension zerotrust):
// the demo's handshake through the embedded Workload API, its refusals, the
// issued SVID checked against every X509-SVID rule, and a short rotation run
// under load.
var Lab = labs.Lab{ID: labID, Name: labName, Dimension: labDimension, Run: runLab}

const (
	labID        = "mtls"
	labName      = "SPIFFE mTLS: Workload API, handshake by SPIFFE ID, rotation under load"
	labDimension = "zerotrust"
)

// LabRotation is the lab's rotation run: short, with a short TTL.
var LabRotation = BenchOptions{Rate: 50, Duration: 6 * time.Second, SVIDTTL: 4 * time.Second}

func runLab(ctx context.Context, o labs.Options) reports.Lab {
	start := time.Now()
	l := reports.Lab{ID: labID, Name: labName, Dimension: labDimension}
	progress := func(m string) {
		if o.Progress != nil {
			o.Progress(m)
		}
	}
	progress("demo handshake")
	demo, demoErr := RunDemo(ctx, DemoOptions{WorkDir: filepath.Join(o.WorkDir, "demo")})
	l.Steps = append(l.Steps, labs.Step("mTLS handshake authorized by SPIFFE ID (SVIDs via the Workload API)", func() (string, []reports.Metric, error) {
		if demoErr != nil {
			return "", nil, demoErr
		}
		h := demo.Handshake
		return fmt.Sprintf("%s %s, client %s accepted by server %s", h.Version, h.CipherSuite, demo.Client.ID, h.PeerID),
			[]reports.Metric{{Name: "handshake", Value: msf(h.Handshake), Unit: "ms"}, {Name: "dial_to_first_answer", Value: msf(h.Total), Unit: "ms"}}, nil
	}))
	l.Steps = append(l.Steps, labs.Step("refusals: other trust domain, cross-domain leaf, unauthorized ID, no client certificate", func() (string, []reports.Metric, error) {
		if demoErr != nil {
			return "", nil, errors.New("no demo: " + demoErr.Error())
		}
		refused := 0
		var accepted []string
		for _, r := range demo.Refusals {
			if r.Refused {
				refused++
			} else {
				accepted = append(accepted, r.Name)
			}
		}
		ms := []reports.Metric{{Name: "refused", Value: float64(refused)}, {Name: "wrongly_accepted", Value: float64(len(accepted))}}
		if len(accepted) > 0 {
			return "", ms, fmt.Errorf("accepted: %v", accepted)
		}
		return fmt.Sprintf("all %d refused by the server with a reason", refused), ms, nil
	}))
	l.Steps = append(l.Steps, labs.Step("issued X509-SVID conforms to every spec rule", func() (string, []reports.Metric, error) {
		ca, err := NewCA(spiffeid.RequireTrustDomainFromString("example.org"))
		if err != nil {
			return "", nil, err
		}
		sv, err := ca.IssueX509SVID(spiffeid.RequireFromString("spiffe://example.org/lab"), time.Hour)
		if err != nil {
			return "", nil, err
		}
		in := InspectChain(sv.Certificates, ca.X509Bundle(), time.Now())
		pass := 0
		for _, v := range in.Verdicts {
			if v.Status == Pass {
				pass++
			}
		}
		ms := []reports.Metric{{Name: "rules_passed", Value: float64(pass)}, {Name: "rules_failed", Value: float64(len(in.Failed()))}}
		if !in.OK() {
			return "", ms, fmt.Errorf("rule %s: %s", in.Failed()[0].Rule, in.Failed()[0].Evidence)
		}
		return fmt.Sprintf("%d rules pass (%d not applicable)", pass, len(in.Verdicts)-pass), ms, nil
	}))
	progress("rotation under load")
	l.Steps = append(l.Steps, labs.Step(fmt.Sprintf("handshakes at %d/s for %s through SVID rotations (TTL %s)", LabRotation.Rate, LabRotation.Duration, LabRotation.SVIDTTL), func() (string, []reports.Metric, error) {
		bo := LabRotation
		bo.WorkDir = filepath.Join(o.WorkDir, "bench")
		res, err := RunBench(ctx, bo)
		if err != nil {
			return "", nil, err
		}
		ms := []reports.Metric{
			{Name: "handshakes_per_second", Value: round2(res.PerSecond), Unit: "1/s"},
			{Name: "p50", Value: msf(res.P50), Unit: "ms"},
			{Name: "p99", Value: msf(res.P99), Unit: "ms"},
			{Name: "rotations", Value: float64(res.Rotations())},
			{Name: "failed_handshakes", Value: float64(res.Failed)},
		}
		switch {
		case res.Failed > 0:
			return "", ms, fmt.Errorf("%d of %d handshakes failed during rotation: %v", res.Failed, res.Attempted, res.Errors)
		case res.Rotations() < 2:
			return "", ms, fmt.Errorf("only %d rotations seen in %s with TTL %s", res.Rotations(), bo.Duration, bo.SVIDTTL)
		}
		return fmt.Sprintf("%d handshakes, 0 failed, %d rotations, p99 %.2f ms", res.Succeeded, res.Rotations(), msf(res.P99)), ms, nil
	}))
	labs.Finish(&l, start)
	return l
}

func msf(d time.Duration) float64 { return round2(float64(d) / 1e6) }

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
