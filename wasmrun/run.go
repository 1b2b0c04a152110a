package wasmrun

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"

	"github.com/gocap/gocap/wasmrun/internal/rootfs"
)

// Mount exposes a host directory to the guest at Guest (an absolute guest
// path). The guest cannot leave Host, by "../" or by symlink.
type Mount struct {
	Host     string
	Guest    string
	ReadOnly bool
}

// ParseMount reads HOST:GUEST[:ro] (GUEST defaults to HOST's base name
// under /, e.g. "./data" mounts at /data).
func ParseMount(s string) (Mount, error) {
	parts := strings.Split(s, ":")
	m := Mount{Host: parts[0]}
	switch {
	case len(parts) > 3 || m.Host == "":
		return m, fmt.Errorf("mount %q: want HOST:GUEST[:ro]", s)
	case len(parts) == 3:
		if parts[2] != "ro" && parts[2] != "rw" {
			return m, fmt.Errorf("mount %q: the third field must be ro or rw", s)
		}
		m.ReadOnly = parts[2] == "ro"
		fallthrough
	case len(parts) == 2:
		m.Guest = parts[1]
	default:
		m.Guest = "/" + path.Base(strings.TrimRight(m.Host, "/"))
	}
	if !strings.HasPrefix(m.Guest, "/") {
		return m, fmt.Errorf("mount %q: guest path %q must be absolute (e.g. /data)", s, m.Guest)
	}
	st, err := os.Stat(m.Host)
	if err != nil {
		return m, fmt.Errorf("mount %q: %w", s, err)
	}
	if !st.IsDir() {
		return m, fmt.Errorf("mount %q: %s is not a directory", s, m.Host)
	}
	return m, nil
}

// RunOptions are a command module's inputs. Nil streams are empty (stdin)
// or discarded (stdout, stderr). Stdin is read by a goroutine through a pipe
// so that a guest blocked on it still stops at the timeout or cancellation;
// that goroutine ends at Stdin's EOF or at its first read after Run returns.
type RunOptions struct {
	// Name is argv[0]; default "module".
	Name   string
	Args   []string
	Env    []string // K=V
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Mounts []Mount
}

// Stats are the timings of a Run.
type Stats struct {
	Compile     time.Duration // compile, from the cache when warm
	Instantiate time.Duration // instantiate (no start function)
	Exec        time.Duration // _start until exit
	MemoryPages uint32        // memory size when the module stopped
}

// Run runs a WASI command module: it admits it (hash, allow-list, memory
// cap), compiles it, instantiates it with opts and calls _start under the
// config's timeout. A zero exit returns nil; a non-zero exit an *ExitError;
// a timeout ErrTimeout; other failures ErrStackOverflow, ErrMemoryLimit,
// ErrMalformed, *RefusedError or *TrapError.
func Run(ctx context.Context, bin []byte, cfg Config, opts RunOptions) (st Stats, err error) {
	info, err := admit(bin, cfg, false)
	if err != nil {
		return st, err
	}
	if info.Kind != KindCommand {
		return st, fmt.Errorf("%w: the module is a reactor (no _start): load it as a plugin (gocap wasm plugin)", ErrRefused)
	}
	var mounts []*rootfs.FS
	defer func() {
		for _, m := range mounts {
			err = errors.Join(err, m.Close())
		}
	}()
	fsc := wazero.NewFSConfig()
	for _, m := range opts.Mounts {
		r, err := rootfs.New(m.Host)
		if err != nil {
			return st, fmt.Errorf("mount %s: %w", m.Host, err)
		}
		mounts = append(mounts, r)
		var f = sysfsFS(r, m.ReadOnly)
		fsc = fsc.(sysfs.FSConfig).WithSysFSMount(f, m.Guest)
	}

	hostLog := io.Writer(io.Discard) // gocap.log goes where the guest's stderr goes
	if opts.Stderr != nil {
		hostLog = opts.Stderr
	}
	rt, err := newRuntime(ctx, cfg, hostLog)
	if err != nil {
		return st, err
	}
	defer func() { err = errors.Join(err, rt.Close(context.WithoutCancel(ctx))) }()

	t := time.Now()
	cm, err := compile(ctx, rt, bin, cfg)
	st.Compile = time.Since(t)
	if err != nil {
		return st, err
	}
	name := opts.Name
	if name == "" {
		name = "module"
	}
	mc := wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithArgs(append([]string{name}, opts.Args...)...).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().WithRandSource(rand.Reader).
		WithFSConfig(fsc)
	if opts.Stdout != nil {
		mc = mc.WithStdout(opts.Stdout)
	}
	stderr := &tail{}
	if opts.Stderr != nil {
		mc = mc.WithStderr(io.MultiWriter(opts.Stderr, stderr))
	} else {
		mc = mc.WithStderr(stderr)
	}
	for _, kv := range opts.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return st, fmt.Errorf("env %q: want K=V", kv)
		}
		mc = mc.WithEnv(k, v)
	}

	runCtx := ctx
	if cfg.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cfg.timeout)
		defer cancel()
	}
	if opts.Stdin != nil {
		in, stop := cancelableReader(runCtx, opts.Stdin)
		defer stop()
		mc = mc.WithStdin(in)
	}
	t = time.Now()
	mod, err := rt.InstantiateModule(runCtx, cm, mc)
	st.Instantiate = time.Since(t)
	if err != nil {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		return st, classify("instantiate", err, cfg, 0, stderr)
	}
	defer func() { err = errors.Join(err, mod.Close(context.WithoutCancel(ctx))) }()
	start := mod.ExportedFunction("_start")
	t = time.Now()
	_, err = start.Call(runCtx)
	st.Exec = time.Since(t)
	st.MemoryPages = memPages(mod)
	switch {
	case ctx.Err() != nil:
		return st, ctx.Err()
	case runCtx.Err() != nil:
		// The guest may have exited on its own after its stdin was cut.
		return st, classify("_start", sys.NewExitError(sys.ExitCodeDeadlineExceeded), cfg, 0, nil)
	case err != nil:
		return st, classify("_start", err, cfg, st.MemoryPages, stderr)
	}
	return st, nil
}

func sysfsFS(r *rootfs.FS, ro bool) experimentalsys.FS {
	if ro {
		return &sysfs.ReadFS{FS: r}
	}
	return r
}

// cancelableReader returns a reader of r whose Read fails once ctx ends, so
// a guest blocked reading stdin still stops at the timeout or on Ctrl-C.
// The copy goroutine ends at r's EOF, or at its next read after stop.
func cancelableReader(ctx context.Context, r io.Reader) (io.Reader, func()) {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err)
	}()
	stopAfter := context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	return pr, func() {
		stopAfter()
		_ = pr.Close() // documented to return nil
	}
}
