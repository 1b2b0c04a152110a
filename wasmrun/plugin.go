package wasmrun

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Plugin hosts a reactor module (see the package doc for the ABI). It is
// safe for concurrent use; calls are serialised on the current instance.
type Plugin struct {
	cfg Config
	rt  wazero.Runtime

	mu     sync.RWMutex // guards cur and closed; held shared while acquiring
	cur    *generation
	closed bool

	reloadMu sync.Mutex // one Reload at a time
}

// PluginStats are the timings of the current module.
type PluginStats struct {
	Compile     time.Duration
	Instantiate time.Duration // instantiate + _initialize
	SHA256      string
}

// generation is one loaded module: its compiled code and instance.
type generation struct {
	info   *Info
	cm     wazero.CompiledModule
	funcs  []string // callable exports
	stats  PluginStats
	flight sync.WaitGroup // calls in flight

	mu    sync.Mutex // serialises calls on inst
	inst  *instance
	stack [2]uint64
}

// instance is one instantiated, initialised module. Calls run under ctx,
// which the per-call timer (or the caller's context) cancels: reusing one
// context and one timer keeps a call free of allocations.
type instance struct {
	ctx      context.Context
	cancel   context.CancelFunc
	timer    *time.Timer
	timedOut atomic.Bool
	stderr   *tail

	// The caller's context cancels the instance while a call is in flight.
	// The registration is kept while callers pass the same context (a
	// CLI's or a worker's), so a call costs no allocation.
	inCall    atomic.Bool
	watched   context.Context
	stopWatch func() bool

	mod         api.Module
	mem         api.Memory
	alloc, free api.Function
	fns         map[string]api.Function
	inPtr       uint32
	inCap       uint32
}

var reserved = []string{"_initialize", "_start", "alloc", "free"}

// Load admits a reactor module (pinned hash, allow-list, memory cap: all
// before compiling), compiles it, instantiates it and calls _initialize.
// Errors: *RefusedError, ErrMalformed, ErrMemoryLimit, ErrTimeout, or a
// description of the missing ABI exports.
func Load(ctx context.Context, bin []byte, cfg Config) (*Plugin, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	rt, err := newRuntime(ctx, cfg, cfg.log)
	if err != nil {
		return nil, err
	}
	p := &Plugin{cfg: cfg, rt: rt}
	g, err := p.load(ctx, bin)
	if err != nil {
		return nil, errors.Join(err, rt.Close(context.WithoutCancel(ctx)))
	}
	p.cur = g
	return p, nil
}

func (p *Plugin) load(ctx context.Context, bin []byte) (*generation, error) {
	info, err := admit(bin, p.cfg, true)
	if err != nil {
		return nil, err
	}
	if info.Kind != KindReactor {
		return nil, fmt.Errorf("%w: the module is a command (exports _start): run it with gocap wasm run", ErrRefused)
	}
	g := &generation{info: info, stats: PluginStats{SHA256: info.SHA256}}
	for _, need := range []struct{ name, sig string }{{"alloc", "(i32) -> i32"}, {"free", "(i32)"}} {
		e, ok := info.Export(need.name)
		if !ok || e.Kind != "func" || e.Type != need.sig {
			return nil, fmt.Errorf("%w: the plugin ABI needs an export %s %s (found %q): see wasmrun's package doc", ErrRefused, need.name, need.sig, e.Type)
		}
	}
	if _, ok := info.Export("memory"); !ok {
		return nil, fmt.Errorf("%w: the plugin ABI needs an exported memory", ErrRefused)
	}
	for _, e := range info.Exports {
		if e.Kind == "func" && e.Type == "(i32, i32) -> i64" && !slices.Contains(reserved, e.Name) {
			g.funcs = append(g.funcs, e.Name)
		}
	}
	t := time.Now()
	g.cm, err = compile(ctx, p.rt, bin, p.cfg)
	g.stats.Compile = time.Since(t)
	if err != nil {
		return nil, err
	}
	t = time.Now()
	if g.inst, err = p.instantiate(ctx, g); err != nil {
		return nil, errors.Join(err, g.cm.Close(context.WithoutCancel(ctx)))
	}
	g.stats.Instantiate = time.Since(t)
	return g, nil
}

// instantiate makes a fresh instance of g and runs _initialize (gocap always
// initialises a reactor before any call).
func (p *Plugin) instantiate(ctx context.Context, g *generation) (*instance, error) {
	stderr := &tail{}
	mc := wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().WithRandSource(rand.Reader).
		WithStderr(io.MultiWriter(p.cfg.log, stderr))
	cctx, cancel := p.callContext(ctx)
	defer cancel()
	mod, err := p.rt.InstantiateModule(cctx, g.cm, mc)
	if err != nil {
		return nil, classify("instantiate", err, p.cfg, 0, stderr)
	}
	if init := mod.ExportedFunction("_initialize"); init != nil {
		if _, err := init.Call(cctx); err != nil {
			err = classify("_initialize", err, p.cfg, memPages(mod), stderr)
			if err == nil {
				err = errors.New("_initialize exited")
			}
			return nil, errors.Join(err, mod.Close(context.WithoutCancel(ctx)))
		}
	}
	in := &instance{stderr: stderr, mod: mod, mem: mod.Memory(), alloc: mod.ExportedFunction("alloc"), free: mod.ExportedFunction("free"), fns: map[string]api.Function{}}
	in.ctx, in.cancel = context.WithCancel(context.Background())
	if p.cfg.timeout > 0 {
		in.timer = time.AfterFunc(p.cfg.timeout, func() { in.timedOut.Store(true); in.cancel() })
		in.timer.Stop()
	}
	for _, f := range g.funcs {
		in.fns[f] = mod.ExportedFunction(f)
	}
	return in, nil
}

func (p *Plugin) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.cfg.timeout > 0 {
		return context.WithTimeout(ctx, p.cfg.timeout)
	}
	return ctx, func() {}
}

// Functions lists the callable exports: (i32, i32) -> i64 functions other
// than the ABI's own.
func (p *Plugin) Functions() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.cur == nil {
		return nil
	}
	return slices.Clone(p.cur.funcs)
}

// Info returns what Inspect found in the current module.
func (p *Plugin) Info() *Info {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.cur == nil {
		return nil
	}
	return p.cur.info
}

// Stats returns the current module's load timings.
func (p *Plugin) Stats() PluginStats {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.cur == nil {
		return PluginStats{}
	}
	return p.cur.stats
}

func (p *Plugin) acquire() (*generation, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, ErrClosed
	}
	p.cur.flight.Add(1)
	return p.cur, nil
}

// Call passes in to the guest function fn and returns its output. A trap or
// timeout discards the instance (the next call gets a fresh, initialised
// one) and returns ErrTimeout, ErrStackOverflow, ErrMemoryLimit or a
// *TrapError; an error the guest reports through the ABI is a *GuestError.
func (p *Plugin) Call(ctx context.Context, fn string, in []byte) ([]byte, error) {
	g, err := p.acquire()
	if err != nil {
		return nil, err
	}
	defer g.flight.Done()
	return g.call(ctx, p, fn, in)
}

func (g *generation) call(ctx context.Context, p *Plugin, fn string, in []byte) ([]byte, error) {
	if !slices.Contains(g.funcs, fn) {
		return nil, fmt.Errorf("no plugin function %q: the module exports %v with signature (i32, i32) -> i64", fn, g.funcs)
	}
	if uint64(len(in)) >= 1<<31 {
		return nil, fmt.Errorf("input of %d bytes: at most 2 GiB", len(in))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inst != nil && g.inst.ctx.Err() != nil {
		derr := g.inst.discard(ctx) // its timer fired between calls
		g.inst = nil
		if derr != nil {
			return nil, fmt.Errorf("releasing the timed-out instance: %w", derr)
		}
	}
	if g.inst == nil {
		inst, err := p.instantiate(ctx, g)
		if err != nil {
			return nil, err
		}
		g.inst = inst
	}
	inst := g.inst
	cctx := inst.ctx
	inst.watch(ctx)
	inst.inCall.Store(true)
	defer inst.inCall.Store(false)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if inst.timer != nil {
		inst.timer.Reset(p.cfg.timeout)
		defer inst.timer.Stop()
	}
	fail := func(name string, err error) ([]byte, error) {
		pages := memPages(inst.mod)
		derr := inst.discard(ctx)
		g.inst = nil
		switch {
		case inst.timedOut.Load():
			err = fmt.Errorf("%w: %s did not finish within %s; the instance was closed and the next call gets a new one", ErrTimeout, name, p.cfg.timeout)
		case ctx.Err() != nil:
			err = ctx.Err()
		default:
			if err = classify(name, err, p.cfg, pages, inst.stderr); err == nil {
				err = fmt.Errorf("%s: the guest exited", name)
			}
		}
		return nil, errors.Join(err, derr)
	}
	n := uint32(len(in))
	if n > inst.inCap {
		if inst.inPtr != 0 {
			g.stack[0] = uint64(inst.inPtr)
			if err := inst.free.CallWithStack(cctx, g.stack[:]); err != nil {
				return fail("free", err)
			}
		}
		c := max(n, 2*inst.inCap, 256)
		g.stack[0] = uint64(c)
		if err := inst.alloc.CallWithStack(cctx, g.stack[:]); err != nil {
			return fail("alloc", err)
		}
		inst.inPtr, inst.inCap = uint32(g.stack[0]), c
	}
	if n > 0 && !inst.mem.Write(inst.inPtr, in) {
		return fail("alloc", fmt.Errorf("alloc returned %#x: %d bytes do not fit in memory", inst.inPtr, n))
	}
	g.stack[0], g.stack[1] = uint64(inst.inPtr), uint64(n)
	if err := inst.fns[fn].CallWithStack(cctx, g.stack[:]); err != nil {
		return fail(fn, err)
	}
	ptr, ln := uint32(g.stack[0]>>32), uint32(g.stack[0])
	isErr := ln&(1<<31) != 0
	ln &^= 1 << 31
	b, ok := inst.mem.Read(ptr, ln)
	if !ok {
		return fail(fn, fmt.Errorf("returned output %#x+%d outside memory (%d bytes)", ptr, ln, inst.mem.Size()))
	}
	if isErr {
		return nil, &GuestError{Func: fn, Message: string(b)}
	}
	return bytes.Clone(b), nil
}

// Reload replaces the module with bin, admitted like Load. Calls in flight
// finish on the old instance; calls after Reload returns use the new one;
// the old instance and compiled module are closed once their calls are done.
// If bin is refused or fails to load, the old module stays in service.
func (p *Plugin) Reload(ctx context.Context, bin []byte) error {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	p.mu.RLock()
	closed := p.closed
	p.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	g, err := p.load(ctx, bin)
	if err != nil {
		return err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errors.Join(ErrClosed, g.close(ctx))
	}
	old := p.cur
	p.cur = g
	p.mu.Unlock()
	old.flight.Wait()
	// The new module is in service: an error releasing the old one is no
	// reason to call the reload refused, and the caller could not act on it.
	_ = old.close(ctx)
	return nil
}

// close releases the generation's instance and compiled module.
func (g *generation) close(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var err error
	if g.inst != nil {
		err = g.inst.discard(ctx)
		g.inst = nil
	}
	return errors.Join(err, g.cm.Close(context.WithoutCancel(ctx)))
}

// watch makes ctx's cancellation stop the call in flight.
func (in *instance) watch(ctx context.Context) {
	if ctx.Done() == nil || sameContext(ctx, in.watched) {
		return
	}
	if in.stopWatch != nil {
		in.stopWatch()
	}
	in.watched = ctx
	in.stopWatch = context.AfterFunc(ctx, func() {
		if in.inCall.Load() {
			in.cancel()
		}
	})
}

// sameContext compares two contexts; a context type that is not comparable
// is never the same.
func sameContext(a, b context.Context) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// discard stops the instance's watchers and closes its module.
func (in *instance) discard(ctx context.Context) error {
	if in.stopWatch != nil {
		in.stopWatch()
	}
	if in.timer != nil {
		in.timer.Stop()
	}
	in.cancel()
	return in.mod.Close(context.WithoutCancel(ctx))
}

// Close waits for calls in flight, then releases the instance, the compiled
// module and the runtime. Later calls return ErrClosed.
func (p *Plugin) Close(ctx context.Context) error {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	g := p.cur
	p.mu.Unlock()
	g.flight.Wait()
	return errors.Join(g.close(ctx), p.rt.Close(context.WithoutCancel(ctx)))
}

// Watch reloads the plugin from path whenever the file changes (size or
// modification time, checked every interval, 250ms when zero; a change is
// loaded once it has been stable for one interval, so a file still being
// written is not read half-way; an empty file is one being rewritten) until ctx
// ends, and once at the start if the file already differs from the loaded
// module. Each attempt is reported to onReload with nil on success or the
// reason the new file was refused (the old module then stays in service).
// A file whose sha256 equals the current module's is not reloaded.
func (p *Plugin) Watch(ctx context.Context, path string, interval time.Duration, onReload func(sha256 string, err error)) error {
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	if onReload == nil {
		onReload = func(string, error) {}
	}
	if _, err := os.Stat(path); err != nil {
		return err
	}
	// No previous state: the first check compares the file's sha256 with the
	// loaded module's, catching changes made between Load and Watch.
	var last, pending os.FileInfo
	same := func(a, b os.FileInfo) bool {
		return a != nil && b != nil && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		st, err := os.Stat(path)
		if err != nil || st.Size() == 0 || same(st, last) {
			// Missing or empty while being replaced (os.WriteFile
			// truncates before it writes, and a busy writer can sit
			// between the two for longer than an interval), or unchanged.
			pending = nil
			continue
		}
		if !same(st, pending) {
			pending = st // changed: wait one interval for the writer to finish
			continue
		}
		last, pending = st, nil
		bin, err := os.ReadFile(path)
		if err != nil {
			onReload("", err)
			continue
		}
		info, err := Inspect(bin)
		if err == nil && info.SHA256 == p.Stats().SHA256 {
			continue
		}
		sum := ""
		if info != nil {
			sum = info.SHA256
		}
		err = p.Reload(ctx, bin)
		if ctx.Err() != nil {
			return nil
		}
		onReload(sum, err)
	}
}
