package root

import (
	"strings"
	"testing"
)

// complete asks cobra's completion machinery (what the generated shell
// scripts call) for the candidates of args' last word.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	code, out, errOut := run(t, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %v: exit %d %s", args, code, errOut)
	}
	var vals []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") {
			vals = append(vals, strings.SplitN(l, "\t", 2)[0])
		}
	}
	return vals
}

// TestCompletionValues: shell completion offers the check IDs, lab IDs,
// formats and --fail-on values, continuing a comma list after its last
// comma and leaving out values already given.
func TestCompletionValues(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--checks", ""}, "vet fmt tidy race escape pprof errors logging gc leak staticcheck modernize"},
		{[]string{"check", "--checks", "vet,r"}, "vet,race"},
		{[]string{"check", "--skip", "e"}, "escape errors"},
		{[]string{"run", "--labs", ""}, "ebpf mtls wasm runtime"},
		{[]string{"run", "--labs", "ebpf,"}, "ebpf,mtls ebpf,wasm ebpf,runtime"},
		{[]string{"check", "--format", "s"}, "sarif"},
		{[]string{"report", "render", "r.json", "--format", "json,h"}, "json,html"},
		{[]string{"check", "--fail-on", ""}, "error warning none"},
		{[]string{"run", "--fail-on", "w"}, "warning"},
	} {
		if got := strings.Join(complete(t, c.args...), " "); got != c.want {
			t.Errorf("complete %q: %q, want %q", c.args, got, c.want)
		}
	}
}

// TestCompletionScript: `gocap completion bash` writes a bash script.
func TestCompletionScript(t *testing.T) {
	code, out, errOut := run(t, "completion", "bash")
	if code != 0 || !strings.Contains(out, "__start_gocap") {
		t.Fatalf("completion bash: exit %d, stderr %q, %.200q", code, errOut, out)
	}
}
