package wasmrun_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gocap/gocap/wasmrun"
	"github.com/gocap/gocap/wasmrun/internal/samples"
)

func TestRunHello(t *testing.T) {
	var out, errOut bytes.Buffer
	_, err := wasmrun.Run(context.Background(), samples.Hello, testConfig(), wasmrun.RunOptions{
		Args: []string{"gopher", "fail", "fail"}, Env: []string{"GREETING=hi"},
		Stdin: strings.NewReader("from stdin\n"), Stdout: &out, Stderr: &errOut,
	})
	var ee *wasmrun.ExitError
	if !errors.As(err, &ee) || ee.Code != 2 {
		t.Fatalf("err = %v, want exit code 2 (two fail args)", err)
	}
	want := "hi, gopher\nhi, fail\nhi, fail\nFROM STDIN\n"
	if out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}
	if errOut.String() != "hello: 3 args\n" {
		t.Errorf("stderr = %q", errOut.String())
	}
}

func TestRunSandboxHasNoEnv(t *testing.T) {
	t.Setenv("GREETING", "leaked")
	var out bytes.Buffer
	if _, err := wasmrun.Run(context.Background(), samples.Hello, testConfig(), wasmrun.RunOptions{Args: []string{"x"}, Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hello, x\n" {
		t.Errorf("stdout = %q: the host environment leaked into the guest", out.String())
	}
}

func TestRunReactorRefused(t *testing.T) {
	_, err := wasmrun.Run(context.Background(), samples.Plugin, testConfig(), wasmrun.RunOptions{})
	if !errors.Is(err, wasmrun.ErrRefused) || !strings.Contains(err.Error(), "plugin") {
		t.Fatalf("err = %v, want a refusal pointing at gocap wasm plugin", err)
	}
}

func TestRunSHA256Pin(t *testing.T) {
	info, err := wasmrun.Inspect(samples.Hello)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wasmrun.Run(context.Background(), samples.Hello, testConfig().WithSHA256(info.SHA256), wasmrun.RunOptions{}); err != nil {
		t.Fatalf("matching pin: %v", err)
	}
	_, err = wasmrun.Run(context.Background(), samples.Hello, testConfig().WithSHA256(strings.Repeat("0", 64)), wasmrun.RunOptions{})
	if !errors.Is(err, wasmrun.ErrRefused) || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("err = %v, want sha256 mismatch refusal", err)
	}
}

// engines runs a hostile test on the compiler and on the interpreter.
func engines(t *testing.T, f func(t *testing.T, cfg wasmrun.Config)) {
	t.Run("compiler", func(t *testing.T) { f(t, testConfig()) })
	t.Run("interpreter", func(t *testing.T) { f(t, testConfig().WithInterpreter(true)) })
}

func TestHostileInfiniteLoop(t *testing.T) {
	engines(t, func(t *testing.T, cfg wasmrun.Config) {
		start := time.Now()
		_, err := wasmrun.Run(context.Background(), samples.Loop, cfg.WithTimeout(200*time.Millisecond), wasmrun.RunOptions{})
		if !errors.Is(err, wasmrun.ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if !strings.Contains(err.Error(), "200ms") {
			t.Errorf("message %q does not name the timeout", err)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("took %s: the loop was not stopped", d)
		}
	})
}

func TestTimeoutWhileBlockedOnStdin(t *testing.T) {
	pr, pw := io.Pipe()               // stdin that never delivers
	defer func() { _ = pw.Close() }() // documented to return nil
	_, err := wasmrun.Run(context.Background(), samples.Hello, testConfig().WithTimeout(300*time.Millisecond), wasmrun.RunOptions{Stdin: pr})
	if !errors.Is(err, wasmrun.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout while the guest waits on stdin", err)
	}
}

func TestHostileInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := wasmrun.Run(ctx, samples.Loop, testConfig(), wasmrun.RunOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled (Ctrl-C)", err)
	}
}

func TestHostileMemoryBomb(t *testing.T) {
	engines(t, func(t *testing.T, cfg wasmrun.Config) {
		st, err := wasmrun.Run(context.Background(), samples.MemBomb, cfg.WithMemoryLimitPages(64), wasmrun.RunOptions{})
		if !errors.Is(err, wasmrun.ErrMemoryLimit) {
			t.Fatalf("err = %v, want ErrMemoryLimit", err)
		}
		if st.MemoryPages != 64 {
			t.Errorf("memory = %d pages, want the cap of 64", st.MemoryPages)
		}
	})
}

func TestHostileRecursion(t *testing.T) {
	engines(t, func(t *testing.T, cfg wasmrun.Config) {
		_, err := wasmrun.Run(context.Background(), samples.Recurse, cfg, wasmrun.RunOptions{})
		if !errors.Is(err, wasmrun.ErrStackOverflow) {
			t.Fatalf("err = %v, want ErrStackOverflow", err)
		}
	})
}

func TestHostileDisallowedImport(t *testing.T) {
	_, err := wasmrun.Run(context.Background(), samples.BadImport, testConfig(), wasmrun.RunOptions{})
	var re *wasmrun.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *RefusedError", err)
	}
	want := []string{"env.system (func)", "wasi_snapshot_preview1.sock_accept (func)"}
	if strings.Join(re.Disallowed, "|") != strings.Join(want, "|") {
		t.Errorf("disallowed = %v, want %v", re.Disallowed, want)
	}
}

func TestHostileHugeData(t *testing.T) {
	engines(t, func(t *testing.T, cfg wasmrun.Config) {
		_, err := wasmrun.Run(context.Background(), samples.HugeData, cfg, wasmrun.RunOptions{})
		if !errors.Is(err, wasmrun.ErrMemoryLimit) || !strings.Contains(err.Error(), "16385 pages") {
			t.Fatalf("err = %v, want ErrMemoryLimit naming 16385 pages", err)
		}
	})
	// Under a cap that allows it, the same module runs: the cap is what refused it.
	if testing.Short() {
		return
	}
	if _, err := wasmrun.Run(context.Background(), samples.HugeData, testConfig().WithMemoryLimitPages(16385), wasmrun.RunOptions{}); err != nil {
		t.Fatalf("with a 16385-page cap: %v", err)
	}
}

func TestHostileMalformed(t *testing.T) {
	for name, bin := range map[string][]byte{
		"empty":     {},
		"text":      []byte("(module)"),
		"truncated": samples.Hello[:len(samples.Hello)/2],
		"header":    samples.Hello[:8],
		"version2":  {0, 'a', 's', 'm', 0x0d, 0, 1, 0},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := wasmrun.Run(context.Background(), bin, testConfig(), wasmrun.RunOptions{})
			if !errors.Is(err, wasmrun.ErrMalformed) && !errors.Is(err, wasmrun.ErrRefused) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

// mountFixture: data/ with a file, a symlink to a secret outside data/ and a
// ro/ dir; the secret sits next to data/.
func mountFixture(t *testing.T) (data, ro, secret string) {
	dir := t.TempDir()
	data, ro = filepath.Join(dir, "data"), filepath.Join(dir, "ro")
	secret = filepath.Join(dir, "secret.txt")
	for _, d := range []string{data, ro, filepath.Join(data, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(secret, "TOP SECRET")
	write(filepath.Join(data, "in.txt"), "inside")
	write(filepath.Join(ro, "keep.txt"), "read me")
	if err := os.Symlink(secret, filepath.Join(data, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../secret.txt", filepath.Join(data, "sub", "rel-escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../in.txt", filepath.Join(data, "sub", "inside-link")); err != nil {
		t.Fatal(err)
	}
	return data, ro, secret
}

func probe(t *testing.T, data, ro string, ops ...string) map[string]string {
	t.Helper()
	var out bytes.Buffer
	_, err := wasmrun.Run(context.Background(), samples.FSProbe, testConfig(), wasmrun.RunOptions{
		Args: ops, Stdout: &out,
		Mounts: []wasmrun.Mount{{Host: data, Guest: "/data"}, {Host: ro, Guest: "/ro", ReadOnly: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 {
			res[f[1]+":"+strings.TrimSuffix(f[2], ":")] = l
		}
	}
	return res
}

func TestMountConfinement(t *testing.T) {
	data, ro, secret := mountFixture(t)
	res := probe(t, data, ro,
		"read:/data/in.txt", "read:/data/sub/inside-link", "write:/data/new.txt", "list:/data",
		"read:/data/../secret.txt", "read:/data/escape", "read:/data/sub/rel-escape", "read:/ro/keep.txt",
		"write:/ro/evil.txt", "write:/data/escape")
	ok := func(op, want string) {
		t.Helper()
		if l := res[op]; !strings.HasPrefix(l, "OK ") || !strings.Contains(l, want) {
			t.Errorf("%s: %q, want OK with %q", op, l, want)
		}
	}
	denied := func(op string) {
		t.Helper()
		if l := res[op]; !strings.HasPrefix(l, "DENIED ") || strings.Contains(l, "TOP SECRET") {
			t.Errorf("%s: %q, want DENIED", op, l)
		}
	}
	ok("read:/data/in.txt", "inside")
	ok("read:/data/sub/inside-link", "inside") // a symlink inside the mount still works
	ok("write:/data/new.txt", "")
	ok("list:/data", "in.txt")
	ok("read:/ro/keep.txt", "read me")
	denied("read:/data/../secret.txt")
	denied("read:/data/escape")
	denied("read:/data/sub/rel-escape")
	denied("write:/ro/evil.txt")
	denied("write:/data/escape")
	if b, _ := os.ReadFile(filepath.Join(data, "new.txt")); string(b) != "written by fsprobe\n" {
		t.Errorf("rw mount write landed as %q", b)
	}
	if _, err := os.Stat(filepath.Join(ro, "evil.txt")); !os.IsNotExist(err) {
		t.Errorf("write to the ro mount created a file (stat err %v)", err)
	}
	if b, _ := os.ReadFile(secret); string(b) != "TOP SECRET" {
		t.Errorf("secret outside the mount was changed to %q", b)
	}
}

func TestParseMount(t *testing.T) {
	dir := t.TempDir()
	m, err := wasmrun.ParseMount(dir + ":/x:ro")
	if err != nil || m.Guest != "/x" || !m.ReadOnly || m.Host != dir {
		t.Fatalf("got %+v, %v", m, err)
	}
	m, err = wasmrun.ParseMount(dir)
	if err != nil || m.Guest != "/"+filepath.Base(dir) || m.ReadOnly {
		t.Fatalf("got %+v, %v", m, err)
	}
	for _, bad := range []string{dir + ":rel", dir + ":/x:rx", dir + "/missing:/x", ":/x"} {
		if _, err := wasmrun.ParseMount(bad); err == nil {
			t.Errorf("ParseMount(%q) accepted", bad)
		}
	}
}

func TestParseMemoryLimit(t *testing.T) {
	for in, want := range map[string]uint32{"64": 64, "1MiB": 16, "256M": 4096, "100K": 2, "4GiB": 65536, "10 pages": 10} {
		got, err := wasmrun.ParseMemoryLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseMemoryLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "5GiB", "65537", "lots"} {
		if _, err := wasmrun.ParseMemoryLimit(bad); err == nil {
			t.Errorf("ParseMemoryLimit(%q) accepted", bad)
		}
	}
}
