package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// TestResolve: a linker stamp wins; else the module version of a `go
// install …@vX` build; else the VCS revision when the build recorded one;
// else "dev" (a local build with GOFLAGS=-buildvcs=false).
func TestResolve(t *testing.T) {
	parse := func(s string) *debug.BuildInfo {
		t.Helper()
		bi, err := debug.ParseBuildInfo(s)
		if err != nil {
			t.Fatal(err)
		}
		return bi
	}
	installed := parse("go\tgo1.26.0\npath\tgithub.com/gocap/gocap/cmd/gocap\nmod\tgithub.com/gocap/gocap\tv1.4.2\th1:abc=\n")
	local := parse("go\tgo1.26.0\npath\tgithub.com/gocap/gocap/cmd/gocap\nmod\tgithub.com/gocap/gocap\t(devel)\t\nbuild\t-buildvcs=false\n")
	vcs := parse("go\tgo1.26.0\npath\tgithub.com/gocap/gocap/cmd/gocap\nmod\tgithub.com/gocap/gocap\t(devel)\t\nbuild\tvcs=git\nbuild\tvcs.revision=0123456789abcdef0123\nbuild\tvcs.modified=true\n")
	for _, c := range []struct {
		name  string
		stamp string
		info  *debug.BuildInfo
		want  string
	}{
		{"stamp wins", "v2.0.0-1-gdeadbee", installed, "v2.0.0-1-gdeadbee"},
		{"go install @v1.4.2", "", installed, "v1.4.2"},
		{"vcs revision", "", vcs, "dev-0123456789ab-dirty"},
		{"-buildvcs=false", "", local, "dev"},
		{"no build info", "", nil, "dev"},
	} {
		if got := resolve(c.stamp, c.info); got != c.want {
			t.Errorf("%s: resolve = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestMakefileStamp builds a program with the -ldflags that `make build`
// uses (read from the Makefile, so the symbol cannot drift) and checks the
// binary reports the stamped version; without the stamp, under
// GOFLAGS=-buildvcs=false, it says "dev".
func TestMakefileStamp(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LDFLAGS := -X (\S+)=\$\(VERSION\)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile has no `LDFLAGS := -X SYMBOL=$(VERSION)` line")
	}
	if string(m[1]) != "github.com/gocap/gocap/internal/version.stamped" {
		t.Fatalf("Makefile stamps %s, not this package's stamped variable", m[1])
	}
	if !strings.Contains(string(mk), "$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/gocap") {
		t.Error("make build does not pass $(LDFLAGS)")
	}
	dir := t.TempDir()
	run := func(ldflags string) string {
		t.Helper()
		exe := filepath.Join(dir, "printversion")
		args := []string{"build", "-o", exe}
		if ldflags != "" {
			args = append(args, "-ldflags", ldflags)
		}
		build := exec.Command("go", append(args, "./testdata/printversion")...)
		build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		out, err := exec.Command(exe).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := run("-X " + string(m[1]) + "=v9.8.7-2-gabcdef0-dirty"); got != "v9.8.7-2-gabcdef0-dirty" {
		t.Errorf("stamped build says %q", got)
	}
	if got := run(""); got != "dev" {
		t.Errorf("unstamped build with -buildvcs=false says %q, want dev", got)
	}
}
