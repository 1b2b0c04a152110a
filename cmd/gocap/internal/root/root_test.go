package root

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/iostreams"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	code := Main(args, ios)
	return code, out.String(), errOut.String()
}

func TestExitCodesForBadInput(t *testing.T) {
	clean, _ := filepath.Abs("../../../../checks/testdata/clean")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"bogus"}, "unknown command"},
		{"typo of a command", []string{"chek"}, `unknown command "chek" for "gocap": did you mean check?`},
		// cobra alone prints the group's help and exits 0 here.
		{"typo of a subcommand", []string{"ebpf", "doctr"}, `unknown command "doctr" for "gocap ebpf": did you mean doctor?`},
		{"help for a typo", []string{"help", "chek"}, "help chek: no such command"},
		{"help for a subcommand typo", []string{"help", "ebpf", "doctr"}, "help ebpf doctr: no such command"},
		{"missing argument", []string{"report", "render"}, "report render: accepts 1 arg(s), received 0 (usage: gocap report render REPORT.json"},
		{"unknown flag", []string{"check", "--nope"}, "unknown flag"},
		{"typo of a flag", []string{"check", "--chekcs", "vet"}, "unknown flag: --chekcs: did you mean --checks?"},
		{"flag cut short", []string{"run", "--lab", "wasm"}, "unknown flag: --lab: did you mean --labs?"},
		{"not a module", []string{"check", "-C", "/"}, "not inside a Go module"},
		{"pattern matches nothing", []string{"check", "-C", clean, "./nothing/..."}, "./nothing/..."},
		{"folder pattern without ./", []string{"check", "-C", clean, "calc"}, "for a folder write ./calc"},
		{"missing config", []string{"check", "-C", clean, "--config", "/nonexistent/gocap.yaml"}, "--config /nonexistent/gocap.yaml: cannot read it (no such file or directory)"},
		{"unknown check", []string{"check", "-C", clean, "--checks", "foo"}, `unknown check "foo"`},
		{"bad format", []string{"check", "-C", clean, "--format", "pdf"}, `unknown format "pdf"`},
		{"bad fail-on", []string{"check", "-C", clean, "--fail-on", "info"}, "--fail-on"},
		{"bad min-score", []string{"check", "-C", clean, "--min-score", "120"}, "--min-score"},
		{"out folder missing", []string{"check", "-C", clean, "--out", "/nonexistent/dir/r.json"}, "does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, c.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "gocap: ") || !strings.Contains(lines[0], c.want) {
				t.Fatalf("stderr = %q, want one line naming %q", errOut, c.want)
			}
		})
	}
}

func TestCheckWritesJSONAtomicallyAndGates(t *testing.T) {
	clean, _ := filepath.Abs("../../../../checks/testdata/clean")
	defects, _ := filepath.Abs("../../../../checks/testdata/defects")
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errOut := run(t, "check", "-C", clean, "--checks", "fmt,tidy", "--format", "json", "--out", out, "--min-score", "90")
	if code != 0 {
		t.Fatalf("clean: exit %d: %s", code, errOut)
	}
	var rep struct {
		SchemaVersion int     `json:"schema_version"`
		Score         float64 `json:"score"`
		Grade         string  `json:"grade"`
		Checks        []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"checks"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != 1 || rep.Grade != "A+" || len(rep.Checks) != 2 {
		t.Fatalf("report = %+v", rep)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Fatalf("temp files left beside the report: %v", entries)
	}
	code, stdout, errOut := run(t, "check", "-C", defects, "--checks", "fmt,tidy", "--fail-on", "error")
	if code != 1 || !strings.Contains(errOut, "gate failed") {
		t.Fatalf("defects with --fail-on error: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(stdout, "style/style.go:4") || !strings.Contains(stdout, "go.mod:5") {
		t.Fatalf("terminal report lacks findings:\n%s", stdout)
	}
}

// TestGroupWithoutSubcommandPrintsHelp: `gocap ebpf` alone shows the
// group's help (its subcommands) and exits 0.
func TestGroupWithoutSubcommandPrintsHelp(t *testing.T) {
	code, out, errOut := run(t, "ebpf")
	if code != 0 || !strings.Contains(out, "doctor") || errOut != "" {
		t.Fatalf("gocap ebpf: exit %d, stdout %q, stderr %q; want its help and exit 0", code, out, errOut)
	}
}
