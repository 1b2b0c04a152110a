package root

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/iostreams"
)

const goldenReport = "../../../../reports/testdata/golden/report.json"

// TestOutDevStdoutPrintsJSON: `gocap report render R --format json --out
// /dev/stdout` in a child process whose stdout is a pipe prints the JSON
// there, and /dev/stdout is still the machine's symlink afterwards.
func TestOutDevStdoutPrintsJSON(t *testing.T) {
	if os.Getenv("GOCAP_ROOT_CHILD") == "1" {
		os.Exit(Main([]string{"report", "render", goldenReport, "--format", "json", "--out", "/dev/stdout"}, iostreams.System()))
	}
	c := exec.Command(os.Args[0], "-test.run=^TestOutDevStdoutPrintsJSON$")
	c.Env = append(os.Environ(), "GOCAP_ROOT_CHILD=1")
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("gocap: %v\n%s", err, stderr.String())
	}
	var rep struct {
		Tool struct{ Name string } `json:"tool"`
	}
	if err := json.Unmarshal(out, &rep); err != nil || rep.Tool.Name != "gocap" {
		t.Fatalf("stdout is not the JSON report (%v): %.200q", err, out)
	}
	if st, err := os.Lstat("/dev/stdout"); err != nil || st.Mode().Type() != os.ModeSymlink {
		t.Errorf("/dev/stdout is now %v (%v)", st.Mode(), err)
	}
}

// TestSeveralFormatsIntoAFileName: --format json,html --out r.json is bad
// usage (exit 2, one line naming the fix) and creates nothing.
func TestSeveralFormatsIntoAFileName(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errOut := run(t, "report", "render", goldenReport, "--format", "json,html", "--out", out)
	if code != 2 || !strings.Contains(errOut, "need a folder or one path each") || !strings.Contains(errOut, "json=report.json,html=report.html") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was created: %v", out, err)
	}
	// A folder (trailing slash) is what several formats take.
	if code, _, errOut := run(t, "report", "render", goldenReport, "--format", "json,html", "--out", out+"/"); code != 0 {
		t.Fatalf("--out %s/: exit %d, %s", out, code, errOut)
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Error(err)
	}
}
