package workshop

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gocap/gocap/internal/atomicfile"
)

// MaxSubmission is the largest grade document serve accepts (a full grade
// of every exercise is about 15 KiB).
const MaxSubmission = 1 << 20

// SubmitPath is where serve takes submissions.
const SubmitPath = "/api/submit"

// NewToken returns a random workshop token (128 bits, hex).
func NewToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Server collects submissions into Dir (one <participant>.json each,
// written atomically) and serves the live board at /.
type Server struct {
	Dir     string
	Token   string
	MaxBody int64 // default MaxSubmission
	Refresh int   // board refresh, seconds (default 10)
	Now     func() time.Time
	// Logf, when set, receives one line per submission.
	Logf func(format string, a ...any)

	mu sync.Mutex // serialises writes to Dir
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

// Handler is the HTTP API: GET / (the board), POST /api/submit.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.board)
	mux.HandleFunc("POST "+SubmitPath, s.submit)
	mux.HandleFunc(SubmitPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, apiError{"POST a grade report (gocap workshop grade --submit URL --name NAME)"})
	})
	return mux
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) board(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	reps, err := LoadReports([]string{s.Dir})
	s.mu.Unlock()
	if err != nil {
		http.Error(w, "stored reports: "+err.Error(), http.StatusInternalServerError)
		return
	}
	b := NewBoard(reps, s.now())
	b.Refresh = s.Refresh
	if b.Refresh == 0 {
		b.Refresh = 10
	}
	var buf bytes.Buffer
	if err := RenderBoard(&buf, b); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes()) // the client went away: nothing to do
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.Token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gocap workshop"`)
		writeJSON(w, http.StatusUnauthorized, apiError{"missing or wrong token: send Authorization: Bearer TOKEN with the token gocap workshop serve printed"})
		return
	}
	limit := s.MaxBody
	if limit <= 0 {
		limit = MaxSubmission
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			writeJSON(w, http.StatusRequestEntityTooLarge, apiError{fmt.Sprintf("body larger than %d bytes: submit one grade report", limit)})
			return
		}
		writeJSON(w, http.StatusBadRequest, apiError{"reading the body: " + err.Error()})
		return
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var rep Report
	if err := dec.Decode(&rep); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"not a grade report (gocap workshop grade --json): " + err.Error()})
		return
	}
	if dec.More() {
		writeJSON(w, http.StatusBadRequest, apiError{"not a grade report: trailing data after the JSON document"})
		return
	}
	if err := Validate(&rep); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{err.Error()})
		return
	}
	out, err := json.MarshalIndent(&rep, "", "  ")
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{err.Error()})
		return
	}
	s.mu.Lock()
	err = atomicfile.Write(filepath.Join(s.Dir, rep.Participant+".json"), append(out, '\n'), 0o644)
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{"storing the report: " + err.Error()})
		return
	}
	if s.Logf != nil {
		s.Logf("%s: %d of %d exercises pass", rep.Participant, rep.Passed(), len(rep.Exercises))
	}
	writeJSON(w, http.StatusOK, map[string]any{"stored": rep.Participant, "passed": rep.Passed()})
}

// PrepareDir makes the folder serve stores reports in.
func PrepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%w: reports folder %s: %w", ErrUsage, dir, err)
	}
	return nil
}

// Submit posts r to a serve at base (http://HOST:PORT) with token.
func Submit(ctx context.Context, base, token string, r *Report) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	url := strings.TrimRight(base, "/")
	if !strings.HasSuffix(url, SubmitPath) {
		url += SubmitPath
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: --submit %s: %w", ErrUsage, base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("submitting to %s: %w (is gocap workshop serve running there?)", base, err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the end or not, the answer is in
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var ae apiError
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	why := ""
	if json.Unmarshal(msg, &ae) == nil && ae.Error != "" {
		why = ": " + ae.Error
	}
	if resp.StatusCode/100 == 4 { // the token, the name or the report: the caller's input
		return fmt.Errorf("%w: %s refused the report (%s)%s", ErrUsage, base, resp.Status, why)
	}
	return fmt.Errorf("%s refused the report (%s)%s", base, resp.Status, why)
}
