package loadcmd

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/promserve"
)

func run(t *testing.T, o func(*Options), args ...string) (string, string, int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmd(ios, func(ctx context.Context, opts *Options) error {
		if o != nil {
			o(opts)
		}
		return Run(ctx, opts)
	})
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString(cmdutil.Message(err))
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"ftp://x"},
		{"127.0.0.1:8080"},
		{"http://127.0.0.1:1/", "--rate", "0"},
		{"http://127.0.0.1:1/", "--duration", "0s"},
		{"http://127.0.0.1:1/", "--connections", "-1"},
		{"http://127.0.0.1:1/", "--pid", "999999999"},
		{"http://127.0.0.1:1/", "--pid", "1", "--", "x"},
		{"http://127.0.0.1:1/", "--pprof", "nope"},
		{"http://127.0.0.1:1/", "extra"},
		{"http://127.0.0.1:1/", "--"},
		{"http://127.0.0.1:1/", "-d", "100ms", "--metrics", "256.0.0.1:bad"},
	} {
		_, errOut, code := run(t, nil, args...)
		if code != cmdutil.ExitUsage || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, %q; want exit 2 and one line", args, code, errOut)
		}
	}
}

// TestLoadJSONAndMetrics: --json prints the summary the issue names, and
// --metrics serves the latency histogram, which scrapes and parses.
func TestLoadJSONAndMetrics(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok")) // a failed write shows as a client error
	}))
	defer srv.Close()
	var scraped uint64
	var scrapeErr error
	out, errOut, code := run(t, func(o *Options) {
		o.AfterLoad = func(addr string) {
			fams, err := promserve.Scrape("http://" + addr + "/metrics")
			if err != nil {
				scrapeErr = err
				return
			}
			if f := fams["gocap_load_latency_seconds"]; f != nil {
				for _, m := range f.Metric {
					scraped += m.Histogram.GetSampleCount()
				}
			}
		}
	}, srv.URL, "--rate", "300", "-d", "500ms", "--json", "--metrics", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Summary struct {
			Requests     uint64  `json:"requests"`
			RateAsked    float64 `json:"rate_asked"`
			RateAchieved float64 `json:"rate_achieved"`
			Success      float64 `json:"success"`
			Latency      struct {
				P50  int64 `json:"p50_ns"`
				P90  int64 `json:"p90_ns"`
				P99  int64 `json:"p99_ns"`
				P999 int64 `json:"p99_9_ns"`
				Max  int64 `json:"max_ns"`
			} `json:"latency"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	s := got.Summary
	l := s.Latency
	if s.Requests < 30 || s.RateAsked != 300 || s.RateAchieved <= 0 || s.Success != 1 || l.P50 <= 0 || l.P90 < l.P50 || l.P99 < l.P90 || l.P999 < l.P99 || l.Max < l.P999 {
		t.Errorf("summary %+v", s)
	}
	if scrapeErr != nil || scraped != s.Requests {
		t.Errorf("scraped %d latencies (%v), want %d", scraped, scrapeErr, s.Requests)
	}
}

// TestLoadTerminal: the text summary names rates, percentiles and the
// percentile distribution.
func TestLoadTerminal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
	}))
	defer srv.Close()
	out, errOut, code := run(t, nil, srv.URL, "--rate", "200", "-d", "300ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"asked 200/s, achieved", "p99.9", "PERCENTILE", "1/(1-P)"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// TestLoadLiveView: on a terminal a live line is redrawn on stderr.
func TestLoadLiveView(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	o := &Options{IO: ios, URL: srv.URL, Method: "GET", Rate: 200, Duration: 800 * time.Millisecond, Timeout: 5 * time.Second}
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "\r⏱") || !strings.Contains(errOut.String(), "sent (") {
		t.Errorf("no live line: %q", errOut.String())
	}
	if !strings.Contains(out.String(), "achieved") {
		t.Errorf("summary %q", out.String())
	}
}
