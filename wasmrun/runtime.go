package wasmrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// caches holds one wazero compilation cache per directory ("" = in memory)
// for the whole process, so runtimes share compiled code: a second Load or
// Run of the same module skips compilation.
var caches struct {
	sync.Mutex
	m map[string]wazero.CompilationCache
}

func cacheFor(dir string) (wazero.CompilationCache, error) {
	caches.Lock()
	defer caches.Unlock()
	if c, ok := caches.m[dir]; ok {
		return c, nil
	}
	var c wazero.CompilationCache
	if dir == "" {
		c = wazero.NewCompilationCache()
	} else {
		var err error
		if c, err = wazero.NewCompilationCacheWithDir(dir); err != nil {
			return nil, fmt.Errorf("compilation cache %s: %w (pass another --cache-dir)", dir, err)
		}
	}
	if caches.m == nil {
		caches.m = map[string]wazero.CompilationCache{}
	}
	caches.m[dir] = c
	return c, nil
}

// newRuntime builds a wazero runtime with the config's engine, limits and
// cache, and instantiates WASI and gocap's host module in it.
func newRuntime(ctx context.Context, cfg Config, log io.Writer) (wazero.Runtime, error) {
	cache, err := cacheFor(cfg.cacheDir)
	if err != nil {
		return nil, err
	}
	rc := wazero.NewRuntimeConfigCompiler()
	if cfg.interpreter {
		rc = wazero.NewRuntimeConfigInterpreter()
	}
	rc = rc.WithCloseOnContextDone(true).WithMemoryLimitPages(cfg.memPages).WithCompilationCache(cache)
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, errors.Join(fmt.Errorf("instantiate WASI: %w", err), rt.Close(ctx))
	}
	_, err = rt.NewHostModuleBuilder(HostModule).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, m api.Module, stack []uint64) {
			if b, ok := m.Memory().Read(api.DecodeU32(stack[0]), api.DecodeU32(stack[1])); ok {
				// The host call has no result: a lost log line must not trap the guest.
				_, _ = log.Write(b)
			}
		}), []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, nil).
		WithParameterNames("ptr", "len").
		Export("log").
		Instantiate(ctx)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("instantiate host module %s: %w", HostModule, err), rt.Close(ctx))
	}
	return rt, nil
}

// compile compiles bin, mapping decode and validation failures to
// ErrMalformed and memory limits to ErrMemoryLimit.
func compile(ctx context.Context, rt wazero.Runtime, bin []byte, cfg Config) (wazero.CompiledModule, error) {
	cm, err := rt.CompileModule(ctx, bin)
	if err == nil {
		return cm, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	msg := err.Error()
	if strings.Contains(msg, "over limit") || strings.Contains(msg, "exceeds") && strings.Contains(msg, "memory") {
		return nil, fmt.Errorf("%w: %s (cap %d pages)", ErrMemoryLimit, msg, cfg.memPages)
	}
	return nil, fmt.Errorf("%w: %s", ErrMalformed, msg)
}

// classify turns an error from a guest function into gocap's typed errors.
// mem is the guest's memory size in pages after the failure (0 if unknown).
func classify(fn string, err error, cfg Config, memPages uint32, stderr *tail) error {
	hint := stderr.hint()
	oom := strings.Contains(hint, "out of memory")
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		switch ee.ExitCode() {
		case 0:
			return nil
		case sys.ExitCodeDeadlineExceeded:
			return fmt.Errorf("%w: %s did not finish within %s; the module was closed (raise --timeout if it needs longer)", ErrTimeout, fn, cfg.timeout)
		case sys.ExitCodeContextCanceled:
			return fmt.Errorf("%s: %w", fn, context.Canceled)
		}
		if oom {
			return fmt.Errorf("%w: guest exited with code %d (%s) under the cap of %d pages (%s)", ErrMemoryLimit, ee.ExitCode(), hint, cfg.memPages, human(uint64(cfg.memPages)*PageSize))
		}
		if memPages >= cfg.memPages {
			return fmt.Errorf("%w: guest exited with code %d after growing memory to the cap of %d pages (%s)", ErrMemoryLimit, ee.ExitCode(), cfg.memPages, human(uint64(cfg.memPages)*PageSize))
		}
		return &ExitError{Code: ee.ExitCode()}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "stack overflow"):
		return fmt.Errorf("%w: %s recursed past the call stack limit (%v)", ErrStackOverflow, fn, firstLine(msg))
	case oom:
		return fmt.Errorf("%w: %s trapped (%s) under the cap of %d pages (%s)", ErrMemoryLimit, fn, hint, cfg.memPages, human(uint64(cfg.memPages)*PageSize))
	case memPages >= cfg.memPages:
		return fmt.Errorf("%w: %s trapped (%s) with memory at the cap of %d pages (%s)", ErrMemoryLimit, fn, firstLine(msg), cfg.memPages, human(uint64(cfg.memPages)*PageSize))
	}
	if hint != "" {
		msg = firstLine(msg) + " (guest stderr: " + hint + ")"
	}
	return &TrapError{Func: fn, Err: errors.New(firstLine(msg))}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// memPages returns a module's memory size in pages, 0 if it has none.
func memPages(m api.Module) uint32 {
	if m == nil || m.Memory() == nil {
		return 0
	}
	return m.Memory().Size() / PageSize
}

// tail keeps the last bytes a guest wrote to stderr, so a trap can be
// explained ("fatal error: out of memory" from a Go guest).
type tail struct {
	mu    sync.Mutex
	buf   []byte
	fatal string // first "fatal error:" or "panic:" line
}

const tailSize = 1024

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if t.fatal == "" {
		for _, key := range []string{"fatal error:", "panic:"} {
			if i := strings.Index(string(t.buf), key); i >= 0 {
				if l, _, ok := strings.Cut(string(t.buf[i:]), "\n"); ok { // a whole line
					t.fatal = strings.TrimSpace(l)
				}
				break
			}
		}
	}
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	return len(b), nil
}

// hint returns the most telling line of the guest's last stderr output.
func (t *tail) hint() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fatal != "" {
		return t.fatal
	}
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
