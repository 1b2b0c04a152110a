package wasmcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/wasmrun"
)

const samples = "../../../../wasmrun/internal/samples/"

var cacheDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "wasmcmd-test-cache-")
	if err != nil {
		panic(err)
	}
	cacheDir = d
	code := m.Run()
	if err := os.RemoveAll(d); err != nil {
		fmt.Fprintln(os.Stderr, "wasmcmd tests leave their compilation cache behind:", err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// execute runs `gocap wasm ARGS` through cobra with the real Run and test
// streams; it returns the error and the exit code passed through (-1 none).
func execute(t *testing.T, stdin string, args ...string) (string, string, error, int) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	exit := -1
	cmd := NewCmd(ios, func(ctx context.Context, o *Options) error {
		o.Exit = func(c int) { exit = c }
		return Run(ctx, o)
	})
	if len(args) > 0 && args[0] != "inspect" {
		args = append([]string{args[0], "--cache-dir", cacheDir}, args[1:]...)
	}
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err, exit
}

func TestRunPassesExitCodeAndStreams(t *testing.T) {
	out, errOut, err, exit := execute(t, "abc", "run", "--env", "GREETING=yo", samples+"hello.wasm", "--", "x", "fail")
	if err != nil || exit != 1 {
		t.Fatalf("err %v exit %d, want exit 1 passed through", err, exit)
	}
	if out != "yo, x\nyo, fail\nABC" || errOut != "hello: 2 args\n" {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
	_, _, err, exit = execute(t, "", "run", samples+"hello.wasm")
	if err != nil || exit != -1 {
		t.Errorf("clean run: err %v exit %d", err, exit)
	}
}

func TestRunMountFlag(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte("content"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err, _ := execute(t, "", "run", "--mount", dir+":/m:ro", samples+"fsprobe.wasm", "--", "read:/m/f.txt", "write:/m/g.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "OK read /m/f.txt content") || !strings.Contains(out, "DENIED write /m/g.txt") {
		t.Errorf("output %q", out)
	}
}

func TestRunErrorsAndExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "--timeout", "200ms", samples + "loop.wasm"}, cmdutil.ExitInternal, "did not finish within 200ms"},
		{[]string{"run", "--interpreter", samples + "recurse.wasm"}, cmdutil.ExitInternal, "stack overflow"},
		{[]string{"run", "--memory-limit", "1MiB", samples + "membomb.wasm"}, cmdutil.ExitInternal, "memory limit"},
		{[]string{"run", samples + "hugedata.wasm"}, cmdutil.ExitUsage, "16385 pages"},
		{[]string{"run", samples + "badimport.wasm"}, cmdutil.ExitUsage, "env.system"},
		{[]string{"run", samples + "plugin.wasm"}, cmdutil.ExitUsage, "gocap wasm plugin"},
		{[]string{"run", samples + "missing.wasm"}, cmdutil.ExitUsage, "missing.wasm"},
		{[]string{"run", "--memory-limit", "lots", samples + "hello.wasm"}, cmdutil.ExitUsage, "--memory-limit \"lots\""},
		{[]string{"run", "--mount", "/nonexistent-dir:/x", samples + "hello.wasm"}, cmdutil.ExitUsage, "--mount"},
		{[]string{"run", "--env", "NOVALUE", samples + "hello.wasm"}, cmdutil.ExitUsage, "K=V"},
		{[]string{"run", "--sha256", "abc", samples + "hello.wasm"}, cmdutil.ExitUsage, "64 hex"},
		{[]string{"inspect", "run_test_missing.wasm"}, cmdutil.ExitUsage, "run_test_missing.wasm"},
		{[]string{"inspect", samples + "wat/loop.wat"}, cmdutil.ExitUsage, "not a WebAssembly binary (no \\0asm magic); .wat is the text format: compile it first (wat2wasm"},
		{[]string{"run", samples}, cmdutil.ExitUsage, "is a folder: give a WebAssembly module (.wasm)"},
		{[]string{"inspect", samples + "badimport.wasm"}, cmdutil.ExitGate, "badimport.wasm is refused: 2 imports outside the allow-list"},
		{[]string{"plugin", samples + "plugin.wasm"}, cmdutil.ExitUsage, "--call"},
		{[]string{"plugin", "--call", "nope", samples + "plugin.wasm"}, cmdutil.ExitUsage, "format, compact, echo"},
		{[]string{"plugin", "--call", "ok", "--sha256", strings.Repeat("0", 64), samples + "spin.wasm"}, cmdutil.ExitUsage, "does not match"},
		{[]string{"plugin", "--call", "spin", "--timeout", "100ms", samples + "spin.wasm"}, cmdutil.ExitInternal, "did not finish"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err, _ := execute(t, "x", tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if c := cmdutil.ExitCode(err); c != tc.code {
				t.Errorf("exit code %d, want %d (%v)", c, tc.code, err)
			}
			if msg := cmdutil.Message(err); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") || strings.Contains(msg, "gate failed") {
				t.Errorf("message %q: want one line containing %q", msg, tc.want)
			}
		})
	}
}

func TestInspectJSON(t *testing.T) {
	out, _, err, _ := execute(t, "", "inspect", "--json", samples+"plugin.wasm")
	if err != nil {
		t.Fatal(err)
	}
	var info wasmrun.Info
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatal(err)
	}
	if info.Kind != wasmrun.KindReactor || !info.Allowed || len(info.SHA256) != 64 {
		t.Errorf("info %+v", info)
	}
	if _, ok := info.Export("format"); !ok {
		t.Error("format export missing")
	}
	out, _, _, _ = execute(t, "", "inspect", samples+"hello.wasm")
	for _, want := range []string{"command", "wasi_snapshot_preview1.fd_write", "_start", "verdict: allowed"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func TestPluginCallAndGuestError(t *testing.T) {
	out, _, err, _ := execute(t, `{"k": [true]}`, "plugin", "--call", "compact", samples+"plugin.wasm")
	if err != nil || out != `{"k":[true]}` {
		t.Fatalf("out %q err %v", out, err)
	}
	_, _, err, _ = execute(t, `{"k":`, "plugin", "--call", "compact", samples+"plugin.wasm")
	// The plugin's own error, named as such (exit 1), not a "gate failed".
	msg := ""
	if err != nil {
		msg = cmdutil.Message(err)
	}
	if cmdutil.ExitCode(err) != cmdutil.ExitGate || !strings.Contains(msg, "plugin function compact returned an error: ") || !strings.Contains(msg, "invalid JSON") || strings.Contains(msg, "gate failed") {
		t.Errorf("err %q, want exit 1 naming the plugin's error", msg)
	}
	in := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(in, []byte(`[1,2]`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err, _ = execute(t, "", "plugin", "--call", "format", "--input", in, samples+"plugin.wasm")
	if err != nil || out != "[\n  1,\n  2\n]\n" {
		t.Errorf("--input file: out %q err %v", out, err)
	}
}

func TestPluginWatchStopsOnCancel(t *testing.T) {
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(`{"a":1}`)
	ctx, cancel := context.WithCancel(context.Background())
	// Ctrl-C as soon as gocap says it is watching.
	ios.ErrOut = cancelOn{w: errOut, word: "watching", cancel: cancel}
	cmd := NewCmd(ios, nil)
	cmd.SetArgs([]string{"plugin", "--watch", "--cache-dir", cacheDir, "--call", "compact", samples + "plugin.wasm"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(ctx)
	if err != nil {
		t.Fatalf("err %v, want nil after Ctrl-C: it is how a watch ends", err)
	}
	if out.String() != `{"a":1}` || !strings.Contains(errOut.String(), "watching") {
		t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
	}
}

type cancelOn struct {
	w      io.Writer
	word   string
	cancel func()
}

func (c cancelOn) Write(b []byte) (int, error) {
	if strings.Contains(string(b), c.word) {
		defer c.cancel()
	}
	return c.w.Write(b)
}

// TestRunTimeoutHintsAtTerminalStdin: a run that times out while its stdin
// is the terminal says the module may be waiting for input; piped, it does not.
func TestRunTimeoutHintsAtTerminalStdin(t *testing.T) {
	for _, tty := range []bool{true, false} {
		ios, _, _, _ := iostreams.Test()
		ios.SetStdinTTY(tty)
		cmd := NewCmd(ios, nil)
		cmd.SetArgs([]string{"run", "--cache-dir", cacheDir, "--timeout", "200ms", samples + "loop.wasm"})
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.ExecuteContext(context.Background())
		if cmdutil.ExitCode(err) != cmdutil.ExitInternal {
			t.Fatalf("tty %v: err %v, want a timeout (exit 3)", tty, err)
		}
		if hint := strings.Contains(err.Error(), "</dev/null"); hint != tty {
			t.Errorf("stdin tty %v: message %q; want the stdin hint only on a terminal", tty, err)
		}
	}
}
