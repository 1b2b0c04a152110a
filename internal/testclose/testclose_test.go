package testclose

import (
	"errors"
	"fmt"
	"testing"
)

type closer struct{ err error }

func (c closer) Close() error { return c.err }

// recorder captures Errorf instead of failing the outer test.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func TestOK(t *testing.T) {
	rec := &recorder{TB: t}
	OK(rec, "clean", closer{})
	if len(rec.msgs) != 0 {
		t.Errorf("a clean close reported %q", rec.msgs)
	}
	OK(rec, "broken", closer{errors.New("boom")})
	if len(rec.msgs) != 1 || rec.msgs[0] != "close broken: boom" {
		t.Errorf("failed Close reported as %q, want [\"close broken: boom\"]", rec.msgs)
	}
}
