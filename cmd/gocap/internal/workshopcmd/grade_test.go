package workshopcmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocap/gocap/cmd/gocap/internal/root"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/ebpftestlock"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/workshop"
)

func gocap(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	code := root.Main(args, ios)
	return code, out.String(), errOut.String()
}

// copySolutions lays the reference solutions over a started workshop.
func copySolutions(t *testing.T, dir string) {
	t.Helper()
	src := filepath.Join("..", "..", "..", "..", "internal", "workshop", "testdata", "solutions")
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGradeEveryExercise: with the command a participant runs, every
// exercise fails on its starter (some criterion not met, a hint shown) and
// passes on its reference solution (every criterion met). The two grades
// run at once; the eBPF exercises run under the machine-wide eBPF tests
// lock, since their programs would count in other tests' leak checks.
func TestGradeEveryExercise(t *testing.T) {
	unlock, err := ebpftestlock.Lock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
	base := t.TempDir()
	starter, solved := filepath.Join(base, "starter"), filepath.Join(base, "solved")
	for _, d := range []string{starter, solved} {
		if code, _, errOut := gocap(t, "workshop", "start", d); code != 0 {
			t.Fatalf("start %s: exit %d: %s", d, code, errOut)
		}
	}
	copySolutions(t, solved)
	for _, c := range []struct {
		name, dir string
		pass      bool
	}{{"starter", starter, false}, {"solution", solved, true}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := gocap(t, "workshop", "grade", c.dir, "--json", "--name", "ada")
			want := cmdutil.ExitGate
			if c.pass {
				want = cmdutil.ExitOK
			}
			if code != want {
				t.Errorf("exit %d, want %d: %s", code, want, errOut)
			}
			var rep workshop.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("grade --json: %v\n%s", err, out)
			}
			if err := workshop.Validate(&rep); err != nil {
				t.Fatalf("the grade does not validate: %v", err)
			}
			if len(rep.Exercises) != len(workshop.Exercises()) {
				t.Fatalf("%d exercises graded, want %d", len(rep.Exercises), len(workshop.Exercises()))
			}
			for _, e := range rep.Exercises {
				failed := 0
				for _, cr := range e.Criteria {
					if cr.Measured == "" || cr.Want == "" {
						t.Errorf("%s: criterion %q has no measured value or target", e.ID, cr.Name)
					}
					if !cr.OK {
						failed++
					}
				}
				if c.pass {
					if e.Status != workshop.StatusPass || failed > 0 || len(e.Hints) > 0 || e.TimeToGreenS == nil {
						t.Errorf("solution of %s: %s, %d criteria failed %+v", e.ID, e.Status, failed, e.Criteria)
					}
					continue
				}
				if e.Status != workshop.StatusFail || failed == 0 || len(e.Hints) != 1 || e.TimeToGreenS != nil {
					t.Errorf("starter of %s: %s, %d criteria failed, %d hints; want fail, ≥ 1, 1", e.ID, e.Status, failed, len(e.Hints))
				}
				for _, cr := range e.Criteria {
					if cr.Name == "goal tests unchanged" && !cr.OK {
						t.Errorf("starter of %s: goal tests reported edited: %s", e.ID, cr.Measured)
					}
				}
			}
		})
	}
}

// TestCommandsRefuseBadInput: one line and exit 2 for a non-empty start
// folder, an unknown exercise, a folder that is not a workshop, a bad
// --submit, a report that is not a grade and a bad --addr.
func TestCommandsRefuseBadInput(t *testing.T) {
	dir := t.TempDir()
	notWS := t.TempDir()
	if err := os.WriteFile(filepath.Join(notWS, "go.mod"), []byte("module example.com/other\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"participant": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := gocap(t, "workshop", "start", filepath.Join(dir, "ws"), "--exercises", "leak-ctx"); code != 0 {
		t.Fatalf("start: %d %s", code, errOut)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"workshop", "start", filepath.Join(dir, "ws")}, "--force"},
		{[]string{"workshop", "start", filepath.Join(dir, "ws2"), "--exercises", "nope"}, "unknown exercise"},
		{[]string{"workshop", "grade", notWS}, "not the workshop"},
		{[]string{"workshop", "grade", filepath.Join(dir, "ws"), "--exercises", "race-counter"}, "is not in"},
		{[]string{"workshop", "grade", filepath.Join(dir, "ws"), "--submit", "http://127.0.0.1:1", "--name", "ada"}, "token"},
		{[]string{"workshop", "grade", filepath.Join(dir, "ws"), "--submit", "127.0.0.1:1", "--name", "ada", "--token", "x"}, "serve URL"},
		{[]string{"workshop", "grade", filepath.Join(dir, "ws"), "--name", "../x"}, "--name"},
		{[]string{"workshop", "board", bad}, "not a grade report"},
		{[]string{"workshop", "serve", "--addr", "nonsense"}, "--addr"},
	} {
		code, _, errOut := gocap(t, c.args...)
		if code != cmdutil.ExitUsage || !strings.Contains(errOut, c.says) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("gocap %s: exit %d, %q; want exit 2 and one line with %q", strings.Join(c.args, " "), code, errOut, c.says)
		}
	}
	code, out, _ := gocap(t, "workshop", "list", "--json")
	var list struct {
		Exercises []struct {
			ID, Title, Capability string
			Criteria              []struct{ Name, Want string }
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Exercises) != len(workshop.Exercises()) || list.Exercises[0].ID != "race-counter" || len(list.Exercises[0].Criteria) < 2 {
		t.Errorf("list --json: exit %d, %d exercises", code, len(list.Exercises))
	}
}
