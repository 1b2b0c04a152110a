// Package wasmlab is the WebAssembly hands-on lab of `gocap run`: it runs
// the embedded command sample, loads the plugin sample and calls it, and
// throws the hostile set at the sandbox, each a step with timings.
package wasmlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/reports"
	"github.com/gocap/gocap/wasmrun"
	"github.com/gocap/gocap/wasmrun/internal/samples"
)

// Lab is registered with gocap run (dimension "wasm").
var Lab = labs.Lab{ID: id, Name: name, Dimension: "wasm", Run: run}

const (
	id   = "wasm"
	name = "WebAssembly sandbox (wazero)"
)

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// unexpected says the outcome got is not the wanted one; got may be nil.
func unexpected(want string, got error) error {
	if got == nil {
		return fmt.Errorf("want %s, got no error", want)
	}
	return fmt.Errorf("want %s, got: %w", want, got)
}

func metric(name string, v float64, unit string) reports.Metric {
	return reports.Metric{Name: name, Value: v, Unit: unit}
}

func run(ctx context.Context, o labs.Options) reports.Lab {
	start := time.Now()
	l := reports.Lab{ID: id, Name: name, Dimension: "wasm"}
	progress := func(s string) {
		if o.Progress != nil {
			o.Progress(s)
		}
	}
	// A fresh cache in the lab's folder: the first compile is cold.
	cfg := wasmrun.NewConfig().WithCacheDir(filepath.Join(o.WorkDir, "cache")).WithTimeout(10 * time.Second)
	for _, s := range Steps(cfg, o.WorkDir) {
		if ctx.Err() != nil {
			break
		}
		progress(s.Name)
		l.Steps = append(l.Steps, labs.Step(s.Name, func() (string, []reports.Metric, error) { return s.Run(ctx) }))
	}
	labs.Finish(&l, start)
	return l
}

// Step is one lab step; the benchmarks time the hostile ones together.
type Step struct {
	Name    string
	Hostile bool
	Run     func(ctx context.Context) (string, []reports.Metric, error)
}

// Steps returns the lab's steps under cfg; dir holds mount fixtures.
func Steps(cfg wasmrun.Config, dir string) []Step {
	return []Step{
		{Name: "command sample: hello (args, env, stdin -> stdout, exit code)", Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return hello(ctx, cfg)
		}},
		{Name: "plugin sample: JSON format through alloc/call ABI", Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return plugin(ctx, cfg)
		}},
		{Name: "hostile: infinite loop stopped by the timeout", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return expect(ctx, samples.Loop, cfg.WithTimeout(300*time.Millisecond), wasmrun.RunOptions{}, wasmrun.ErrTimeout)
		}},
		{Name: "hostile: memory growth bomb capped", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return expect(ctx, samples.MemBomb, cfg.WithMemoryLimitPages(256), wasmrun.RunOptions{}, wasmrun.ErrMemoryLimit)
		}},
		{Name: "hostile: unbounded recursion (compiler)", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return expect(ctx, samples.Recurse, cfg, wasmrun.RunOptions{}, wasmrun.ErrStackOverflow)
		}},
		{Name: "hostile: unbounded recursion (interpreter)", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return expect(ctx, samples.Recurse, cfg.WithInterpreter(true), wasmrun.RunOptions{}, wasmrun.ErrStackOverflow)
		}},
		{Name: "hostile: disallowed host import refused before instantiation", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return expect(ctx, samples.BadImport, cfg, wasmrun.RunOptions{}, wasmrun.ErrRefused)
		}},
		{Name: "hostile: huge data section refused by the memory cap", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return expect(ctx, samples.HugeData, cfg, wasmrun.RunOptions{}, wasmrun.ErrMemoryLimit)
		}},
		{Name: "hostile: truncated binary is a decode error", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return expect(ctx, samples.Hello[:len(samples.Hello)/3], cfg, wasmrun.RunOptions{}, wasmrun.ErrMalformed)
		}},
		{Name: "hostile: ../, symlink escape and read-only write refused", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return mounts(ctx, cfg, dir)
		}},
		{Name: "hostile: plugin call past its timeout, next call on a fresh instance", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return spin(ctx, cfg)
		}},
		{Name: "hostile: reactor export before _initialize (gocap always inits)", Hostile: true, Run: func(ctx context.Context) (string, []reports.Metric, error) {
			return beforeInit(ctx, cfg)
		}},
	}
}

func hello(ctx context.Context, cfg wasmrun.Config) (string, []reports.Metric, error) {
	var out bytes.Buffer
	opts := wasmrun.RunOptions{Args: []string{"gocap", "fail"}, Env: []string{"GREETING=hi"}, Stdin: strings.NewReader("wasm\n"), Stdout: &out}
	cold, err := wasmrun.Run(ctx, samples.Hello, cfg, opts)
	var ee *wasmrun.ExitError
	if !errors.As(err, &ee) || ee.Code != 1 {
		return "", nil, unexpected("exit code 1", err)
	}
	if want := "hi, gocap\nhi, fail\nWASM\n"; out.String() != want {
		return "", nil, fmt.Errorf("stdout %q, want %q", out.String(), want)
	}
	out.Reset()
	opts.Stdin = strings.NewReader("wasm\n")
	warm, _ := wasmrun.Run(ctx, samples.Hello, cfg, opts)
	return fmt.Sprintf("output and exit code 1 passed through; cold compile %.0f ms, warm %.1f ms", ms(cold.Compile), ms(warm.Compile)),
		[]reports.Metric{
			metric("cold_compile", ms(cold.Compile), "ms"),
			metric("warm_compile", ms(warm.Compile), "ms"),
			metric("warm_instantiate", ms(warm.Instantiate), "ms"),
			metric("warm_exec", ms(warm.Exec), "ms"),
		}, nil
}

func plugin(ctx context.Context, cfg wasmrun.Config) (_ string, _ []reports.Metric, err error) {
	p, err := wasmrun.Load(ctx, samples.Plugin, cfg)
	if err != nil {
		return "", nil, err
	}
	defer func() { err = errors.Join(err, p.Close(ctx)) }()
	out, err := p.Call(ctx, "format", []byte(`{"lab":"wasm","ok":[true]}`))
	if err != nil {
		return "", nil, err
	}
	if want := "{\n  \"lab\": \"wasm\",\n  \"ok\": [\n    true\n  ]\n}\n"; string(out) != want {
		return "", nil, fmt.Errorf("format gave %q", out)
	}
	if _, err := p.Call(ctx, "format", []byte(`{"broken"`)); !errors.As(err, new(*wasmrun.GuestError)) {
		return "", nil, fmt.Errorf("invalid JSON: %w", unexpected("the guest's error", err))
	}
	const n = 2000
	in := []byte(`{"a":1}`)
	t := time.Now()
	for range n {
		if _, err := p.Call(ctx, "echo", in); err != nil {
			return "", nil, err
		}
	}
	per := time.Since(t) / n
	st := p.Stats()
	return fmt.Sprintf("format ok, guest error surfaced; small call %s", per),
		[]reports.Metric{
			metric("compile", ms(st.Compile), "ms"),
			metric("instantiate_and_init", ms(st.Instantiate), "ms"),
			metric("call_small_input", float64(per.Nanoseconds())/1000, "us"),
		}, nil
}

// expect runs a hostile module and passes when it fails with want.
func expect(ctx context.Context, bin []byte, cfg wasmrun.Config, opts wasmrun.RunOptions, want error) (string, []reports.Metric, error) {
	t := time.Now()
	_, err := wasmrun.Run(ctx, bin, cfg, opts)
	d := time.Since(t)
	if ctx.Err() != nil {
		return "", nil, ctx.Err()
	}
	if !errors.Is(err, want) {
		return "", nil, unexpected(want.Error(), err)
	}
	return "contained: " + err.Error(), []reports.Metric{metric("contained_in", ms(d), "ms")}, nil
}

func mounts(ctx context.Context, cfg wasmrun.Config, dir string) (string, []reports.Metric, error) {
	data, ro := filepath.Join(dir, "data"), filepath.Join(dir, "ro")
	secret := filepath.Join(dir, "secret.txt")
	for _, d := range []string{data, ro} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", nil, err
		}
	}
	if err := os.WriteFile(secret, []byte("SECRET"), 0o600); err != nil {
		return "", nil, err
	}
	if err := os.Remove(filepath.Join(data, "escape")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", nil, err
	}
	if err := os.Symlink(secret, filepath.Join(data, "escape")); err != nil {
		return "", nil, err
	}
	var out bytes.Buffer
	t := time.Now()
	_, err := wasmrun.Run(ctx, samples.FSProbe, cfg, wasmrun.RunOptions{
		Args:   []string{"read:/data/../secret.txt", "read:/data/escape", "write:/data/escape", "write:/ro/x.txt", "write:/data/ok.txt"},
		Stdout: &out,
		Mounts: []wasmrun.Mount{{Host: data, Guest: "/data"}, {Host: ro, Guest: "/ro", ReadOnly: true}},
	})
	d := time.Since(t)
	if err != nil {
		return "", nil, err
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		return "", nil, fmt.Errorf("probe output %q", out.String())
	}
	for _, l := range lines[:4] {
		if !strings.HasPrefix(l, "DENIED") || strings.Contains(l, "SECRET") {
			return "", nil, fmt.Errorf("escape not refused: %s", l)
		}
	}
	if !strings.HasPrefix(lines[4], "OK") {
		return "", nil, fmt.Errorf("write inside the rw mount failed: %s", lines[4])
	}
	if b, _ := os.ReadFile(secret); string(b) != "SECRET" {
		return "", nil, errors.New("the secret outside the mount was overwritten")
	}
	return "4 escapes refused, the write inside the mount worked", []reports.Metric{metric("contained_in", ms(d), "ms")}, nil
}

func spin(ctx context.Context, cfg wasmrun.Config) (_ string, _ []reports.Metric, err error) {
	p, err := wasmrun.Load(ctx, samples.Spin, cfg.WithTimeout(200*time.Millisecond))
	if err != nil {
		return "", nil, err
	}
	defer func() { err = errors.Join(err, p.Close(ctx)) }()
	t := time.Now()
	_, err = p.Call(ctx, "spin", nil)
	d := time.Since(t)
	if !errors.Is(err, wasmrun.ErrTimeout) {
		return "", nil, unexpected("a timeout", err)
	}
	if out, err := p.Call(ctx, "ok", []byte("alive")); err != nil {
		return "", nil, fmt.Errorf("next call: %w", err)
	} else if string(out) != "alive" {
		return "", nil, fmt.Errorf("next call: %q, want \"alive\"", out)
	}
	return "contained: " + err.Error(), []reports.Metric{metric("contained_in", ms(d), "ms")}, nil
}

func beforeInit(ctx context.Context, cfg wasmrun.Config) (_ string, _ []reports.Metric, err error) {
	// Raw wazero, no _initialize: the Go reactor traps.
	rt := wazero.NewRuntime(ctx)
	defer func() { err = errors.Join(err, rt.Close(ctx)) }()
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.InstantiateWithConfig(ctx, samples.Plugin, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		return "", nil, err
	}
	_, rawErr := mod.ExportedFunction("alloc").Call(ctx, 16)
	if rawErr == nil {
		return "", nil, errors.New("a raw call before _initialize did not trap")
	}
	t := time.Now()
	p, err := wasmrun.Load(ctx, samples.Plugin, cfg)
	if err != nil {
		return "", nil, err
	}
	defer func() { err = errors.Join(err, p.Close(ctx)) }()
	if out, err := p.Call(ctx, "echo", []byte("init")); err != nil {
		return "", nil, fmt.Errorf("call through gocap: %w", err)
	} else if string(out) != "init" {
		return "", nil, fmt.Errorf("call through gocap: %q, want \"init\"", out)
	}
	first, _, _ := strings.Cut(rawErr.Error(), "\n")
	return "raw call traps (" + first + "); gocap's Load inits first and the call works", []reports.Metric{metric("load_and_call", ms(time.Since(t)), "ms")}, nil
}
