package wasmrun_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/gocap/gocap/wasmrun"
	"github.com/gocap/gocap/wasmrun/internal/samples"
)

// closePlugin closes p and fails the test when Close fails; use with defer.
func closePlugin(t testing.TB, p *wasmrun.Plugin) {
	t.Helper()
	if err := p.Close(context.Background()); err != nil {
		t.Errorf("close plugin: %v", err)
	}
}

func loadPlugin(t testing.TB, cfg wasmrun.Config) *wasmrun.Plugin {
	t.Helper()
	p, err := wasmrun.Load(context.Background(), samples.Plugin, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(context.Background()); err != nil {
			t.Errorf("close plugin: %v", err)
		}
	})
	return p
}

func TestPluginCall(t *testing.T) {
	p := loadPlugin(t, testConfig())
	ctx := context.Background()
	if got := strings.Join(p.Functions(), ","); got != "format,compact,echo" {
		t.Errorf("functions = %s", got)
	}
	out, err := p.Call(ctx, "format", []byte(`{"b":[1,2],"a":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": {}\n}\n"; string(out) != want {
		t.Errorf("format = %q, want %q", out, want)
	}
	// A bigger input after a small one: the host grows its input buffer.
	big := `[` + strings.Repeat(`{"k": "v"} ,`, 2000) + `1]`
	out, err = p.Call(ctx, "compact", []byte(big))
	if err != nil {
		t.Fatal(err)
	}
	if want := `[` + strings.Repeat(`{"k":"v"},`, 2000) + `1]`; string(out) != want {
		t.Errorf("compact of %d bytes gave %d bytes", len(big), len(out))
	}
	_, err = p.Call(ctx, "compact", []byte(`{"a":`))
	var ge *wasmrun.GuestError
	if !errors.As(err, &ge) || ge.Func != "compact" || !strings.Contains(ge.Message, "invalid JSON") {
		t.Fatalf("err = %v, want a GuestError about invalid JSON", err)
	}
	if out, err := p.Call(ctx, "echo", nil); err != nil || len(out) != 0 {
		t.Errorf("echo of nothing = %q, %v", out, err)
	}
	if _, err := p.Call(ctx, "alloc", nil); err == nil || !strings.Contains(err.Error(), "no plugin function") {
		t.Errorf("calling the ABI's alloc: %v, want refusal", err)
	}
}

// TestReactorNeedsInit shows why gocap always calls _initialize: the same
// plugin called without it traps in raw wazero, and works through Load.
func TestReactorNeedsInit(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer func() {
		if err := rt.Close(ctx); err != nil {
			t.Errorf("close runtime: %v", err)
		}
	}()
	wasiInstantiate(t, ctx, rt)
	mod, err := rt.InstantiateWithConfig(ctx, samples.Plugin, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mod.ExportedFunction("alloc").Call(ctx, 8); err == nil {
		t.Fatal("raw call before _initialize did not trap: the hostile case is gone")
	}
	p := loadPlugin(t, testConfig())
	if out, err := p.Call(ctx, "echo", []byte("ok")); err != nil || string(out) != "ok" {
		t.Fatalf("through Load: %q, %v", out, err)
	}
}

func TestPluginRefusals(t *testing.T) {
	ctx := context.Background()
	if _, err := wasmrun.Load(ctx, samples.Hello, testConfig()); !errors.Is(err, wasmrun.ErrRefused) {
		t.Errorf("command as plugin: %v, want ErrRefused", err)
	}
	if _, err := wasmrun.Load(ctx, samples.BadImport, testConfig()); !errors.Is(err, wasmrun.ErrRefused) {
		t.Errorf("disallowed import: %v, want ErrRefused", err)
	}
	_, err := wasmrun.Load(ctx, samples.Plugin, testConfig().WithSHA256(strings.Repeat("ab", 32)))
	if !errors.Is(err, wasmrun.ErrRefused) || !strings.Contains(err.Error(), "pinned") {
		t.Errorf("sha mismatch: %v, want ErrRefused", err)
	}
	if _, err := wasmrun.Load(ctx, samples.Plugin, testConfig().WithMemoryLimitPages(8)); !errors.Is(err, wasmrun.ErrMemoryLimit) {
		t.Errorf("8-page cap: %v, want ErrMemoryLimit (the Go reactor needs more to initialise)", err)
	}
}

func TestPluginHostLog(t *testing.T) {
	var log bytes.Buffer
	p, err := wasmrun.Load(context.Background(), samples.Spin, testConfig().WithLog(&log))
	if err != nil {
		t.Fatal(err)
	}
	defer closePlugin(t, p)
	if out, err := p.Call(context.Background(), "ok", []byte("logged")); err != nil || string(out) != "logged" {
		t.Fatalf("ok: %q, %v", out, err)
	}
	if log.String() != "logged" {
		t.Errorf("gocap.log wrote %q", log.String())
	}
}

func TestPluginMemoryCapPerCall(t *testing.T) {
	// 40 MiB cap: a 64 MiB input cannot be copied in; the plugin survives.
	p := loadPlugin(t, testConfig().WithMemoryLimitPages(640))
	ctx := context.Background()
	_, err := p.Call(ctx, "echo", make([]byte, 64<<20))
	if err == nil {
		t.Fatal("64 MiB input under a 40 MiB cap succeeded")
	}
	if !errors.Is(err, wasmrun.ErrMemoryLimit) && !strings.Contains(err.Error(), "memory") {
		t.Errorf("err = %v, want a memory error", err)
	}
	if out, err := p.Call(ctx, "echo", []byte("still alive")); err != nil || string(out) != "still alive" {
		t.Fatalf("after the failed call: %q, %v", out, err)
	}
}

func TestPluginTimeoutPerCall(t *testing.T) {
	// A call past its timeout closes the instance; the next call gets a new one.
	engines(t, func(t *testing.T, cfg wasmrun.Config) {
		p, err := wasmrun.Load(context.Background(), samples.Spin, cfg.WithTimeout(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer closePlugin(t, p)
		_, err = p.Call(context.Background(), "spin", []byte("x"))
		if !errors.Is(err, wasmrun.ErrTimeout) || !strings.Contains(err.Error(), "spin") {
			t.Fatalf("err = %v, want ErrTimeout naming spin", err)
		}
		if out, err := p.Call(context.Background(), "ok", []byte("again")); err != nil || string(out) != "again" {
			t.Fatalf("call after a timeout: %q, %v", out, err)
		}
	})
}

func TestPluginReloadInFlight(t *testing.T) {
	ctx := context.Background()
	p := loadPlugin(t, testConfig())
	old := p.Stats().SHA256
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				out, err := p.Call(ctx, "compact", []byte(`{ "n" : 1 }`))
				if err != nil || string(out) != `{"n":1}` {
					errs <- errors.New(string(out) + " " + errString(err))
				}
			}
		}()
	}
	for i := 0; i < 3; i++ {
		if err := p.Reload(ctx, samples.Plugin); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call during reload: %v", err)
	}
	if p.Stats().SHA256 != old {
		t.Errorf("sha changed on reload of the same bytes")
	}
	// A refused reload keeps the old module in service.
	if err := p.Reload(ctx, samples.BadImport); !errors.Is(err, wasmrun.ErrRefused) {
		t.Errorf("reload of a hostile module: %v", err)
	}
	if _, err := p.Call(ctx, "echo", []byte("x")); err != nil {
		t.Errorf("after refused reload: %v", err)
	}
	if err := p.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := p.Call(ctx, "echo", nil); !errors.Is(err, wasmrun.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestPluginWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "plugin.wasm")
	if err := os.WriteFile(path, samples.Plugin, 0o644); err != nil {
		t.Fatal(err)
	}
	p := loadPlugin(t, testConfig())
	events := make(chan error, 4)
	done := make(chan error)
	go func() {
		done <- p.Watch(ctx, path, 20*time.Millisecond, func(_ string, err error) { events <- err })
	}()
	// A broken file is refused, the old module keeps serving.
	if err := os.WriteFile(path, samples.Plugin[:1000], 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-events:
		if !errors.Is(err, wasmrun.ErrMalformed) {
			t.Errorf("reload of a truncated file: %v, want ErrMalformed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no reload event for a changed file")
	}
	if _, err := p.Call(ctx, "echo", []byte("x")); err != nil {
		t.Errorf("after refused reload: %v", err)
	}
	// Writing the real module back reloads it (its sha equals the loaded
	// one, so to see a reload we append a custom section).
	custom := append(append([]byte{}, samples.Plugin...), 0, 6, 4, 'n', 'o', 't', 'e', 1)
	// Deployed as a deploy should be: written beside it, renamed over it.
	tmp := path + ".new"
	if err := os.WriteFile(tmp, custom, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-events:
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no reload event")
	}
	info, _ := wasmrun.Inspect(custom)
	if p.Stats().SHA256 != info.SHA256 {
		t.Errorf("after reload sha = %s, want %s", p.Stats().SHA256, info.SHA256)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watch returned %v", err)
	}
}
