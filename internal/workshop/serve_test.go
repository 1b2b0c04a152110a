package workshop

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// sampleReport is a grade of n exercises for participant p: the first
// passes after 90 s, the second fails one criterion, the rest pass.
func sampleReport(p string, n int) *Report {
	r := &Report{SchemaVersion: SchemaVersion, Participant: p, Graded: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)}
	for i, e := range Exercises()[:n] {
		res := Result{ID: e.ID, Title: e.Title, Capability: e.Capability, Status: StatusPass, Attempts: 1,
			Criteria: []CriterionResult{{Name: "goal tests pass", OK: true, Measured: "all pass", Want: "all pass"}}}
		if i == 1 {
			res.Status = StatusFail
			res.Criteria = append(res.Criteria, CriterionResult{Name: "race-free under go test -race", OK: false, Measured: "1 data race", Want: "0 data races"})
		} else {
			s := 90.0 + float64(i)
			res.TimeToGreenS = &s
		}
		r.Exercises = append(r.Exercises, res)
	}
	return r
}

func post(t *testing.T, url, token string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+SubmitPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var ae apiError
	_ = json.NewDecoder(resp.Body).Decode(&ae) // a success body has no "error"
	return resp.StatusCode, ae.Error
}

// TestServeRefusesBadSubmissions: a wrong or missing token, an oversized
// body, a malformed body, an unknown exercise and an unsafe name get a 4xx
// naming the problem, and the report stored earlier stays byte for byte.
func TestServeRefusesBadSubmissions(t *testing.T) {
	dir := t.TempDir()
	s := &Server{Dir: dir, Token: "s3cret", MaxBody: 64 << 10}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	good, _ := json.Marshal(sampleReport("ada", 4))
	if code, msg := post(t, ts.URL, "s3cret", good); code != http.StatusOK {
		t.Fatalf("good submission: %d %s", code, msg)
	}
	stored := filepath.Join(dir, "ada.json")
	before, err := os.ReadFile(stored)
	if err != nil {
		t.Fatal(err)
	}
	other := sampleReport("ada", 2) // a later, different report of the same participant
	unknown := sampleReport("ada", 3)
	unknown.Exercises[2].ID = "no-such-exercise"
	badName := sampleReport("../../etc/x", 2)
	big := sampleReport("ada", 2)
	big.Exercises[0].Criteria[0].Measured = strings.Repeat("x", 70<<10)
	enc := func(r *Report) []byte { b, _ := json.Marshal(r); return b }
	for _, c := range []struct {
		name, token string
		body        []byte
		code        int
		says        string
	}{
		{"wrong token", "guess", enc(other), http.StatusUnauthorized, "token"},
		{"no token", "", enc(other), http.StatusUnauthorized, "token"},
		{"oversized", "s3cret", enc(big), http.StatusRequestEntityTooLarge, "larger than"},
		{"malformed", "s3cret", []byte(`{"participant": "ada", "exercises": [`), http.StatusBadRequest, "not a grade report"},
		{"unknown field", "s3cret", []byte(`{"schema_version":1,"participant":"ada","exercises":[],"score":100}`), http.StatusBadRequest, "unknown field"},
		{"unknown exercise", "s3cret", enc(unknown), http.StatusUnprocessableEntity, "unknown exercise"},
		{"unsafe name", "s3cret", enc(badName), http.StatusUnprocessableEntity, "participant"},
	} {
		code, msg := post(t, ts.URL, c.token, c.body)
		if code != c.code || !strings.Contains(msg, c.says) {
			t.Errorf("%s: %d %q, want %d and a message with %q", c.name, code, msg, c.code, c.says)
		}
		after, err := os.ReadFile(stored)
		if err != nil || !bytes.Equal(after, before) {
			t.Fatalf("%s changed the stored report (err %v)", c.name, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries in the store, want only ada.json", len(ents))
	}
	resp, err := http.Get(ts.URL + SubmitPath)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s: %d", SubmitPath, resp.StatusCode)
	}
}

// TestServeConcurrentSubmissions: two participants submitting at the same
// time both land, and the live board shows both.
func TestServeConcurrentSubmissions(t *testing.T) {
	dir := t.TempDir()
	s := &Server{Dir: dir, Token: "tok"}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, 2)
	for i, name := range []string{"ada", "grace"} {
		wg.Go(func() {
			<-start
			for k := range 20 { // many rounds, so the two really overlap
				r := sampleReport(name, 3+k%5)
				if err := Submit(context.Background(), ts.URL, "tok", r); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	reps, err := LoadReports([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].Participant != "ada" || reps[1].Participant != "grace" {
		t.Fatalf("stored %d reports", len(reps))
	}
	if len(reps[0].Exercises) != 3+19%5 {
		t.Errorf("ada's stored report has %d exercises: not the last submission", len(reps[0].Exercises))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("%d files in the store (temp files left?)", len(ents))
	}
	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var page bytes.Buffer
	_, _ = page.ReadFrom(resp.Body)
	if !strings.Contains(page.String(), `data-participant="ada"`) || !strings.Contains(page.String(), `data-participant="grace"`) || !strings.Contains(page.String(), `http-equiv="refresh"`) {
		t.Errorf("live board lacks a participant or its refresh")
	}
	if err := Submit(context.Background(), ts.URL, "wrong", sampleReport("ada", 2)); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Submit with a wrong token: %v", err)
	}
}
