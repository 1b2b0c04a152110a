// Package wasmcmd is `gocap wasm`: run WASI commands, inspect modules and
// host reactor plugins, sandboxed by wasmrun. The work lives in wasmrun;
// this package parses flags and prints.
package wasmcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/version"
	"github.com/gocap/gocap/wasmrun"
)

// Actions of Options.Action.
const (
	ActionRun     = "run"
	ActionInspect = "inspect"
	ActionPlugin  = "plugin"
)

// Options of gocap wasm run|inspect|plugin.
type Options struct {
	IO     *iostreams.IOStreams
	Action string
	Module string // path of the .wasm file
	Args   []string
	Env    []string
	Mounts []wasmrun.Mount
	Config wasmrun.Config

	JSON bool // inspect

	Call  string // plugin
	Input string // plugin: file or "-"
	Watch bool   // plugin

	// Exit ends the process with a guest's exit code (gocap wasm run passes
	// it through). Tests replace it; the default is os.Exit.
	Exit func(code int)
}

// engine flags shared by run and plugin.
type engineFlags struct {
	timeout     time.Duration
	memory      string
	cacheDir    string
	noCache     bool
	interpreter bool
	sha256      string
}

func (e *engineFlags) add(cmd *cobra.Command, what string) {
	f := cmd.Flags()
	f.DurationVar(&e.timeout, "timeout", wasmrun.DefaultTimeout, what+"; the module is closed when it passes (0: none)")
	f.StringVar(&e.memory, "memory-limit", "256MiB", "memory cap: pages (64 KiB each) or a size like 64MiB")
	f.StringVar(&e.cacheDir, "cache-dir", "", "compilation cache directory (default <user cache dir>/gocap/wazero-<gocap version>)")
	f.BoolVar(&e.noCache, "no-cache", false, "compile in memory only, no cache on disk")
	f.BoolVar(&e.interpreter, "interpreter", false, "use wazero's interpreter instead of its compiler (slow, no compile step)")
	f.StringVar(&e.sha256, "sha256", "", "refuse the module unless its sha256 is this (64 hex digits)")
}

func (e *engineFlags) config() (wasmrun.Config, error) {
	cfg := wasmrun.NewConfig()
	if e.timeout < 0 {
		return cfg, cmdutil.Usagef("--timeout %s: want a positive duration or 0 for none", e.timeout)
	}
	pages, err := wasmrun.ParseMemoryLimit(e.memory)
	if err != nil {
		return cfg, cmdutil.Usagef("--memory-limit %s", strings.TrimPrefix(err.Error(), "memory limit "))
	}
	cfg = cfg.WithTimeout(e.timeout).WithMemoryLimitPages(pages).WithInterpreter(e.interpreter)
	if e.sha256 != "" {
		s := strings.ToLower(e.sha256)
		if len(s) != 64 || strings.Trim(s, "0123456789abcdef") != "" {
			return cfg, cmdutil.Usagef("--sha256 %q: want 64 hex digits (see gocap wasm inspect)", e.sha256)
		}
		cfg = cfg.WithSHA256(s)
	}
	if !e.noCache && !e.interpreter {
		dir := e.cacheDir
		if dir == "" {
			if dir, err = wasmrun.DefaultCacheDir(version.String()); err != nil {
				return cfg, cmdutil.Usagef("%v", err)
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return cfg, cmdutil.Usagef("--cache-dir %s: %v", dir, err)
		}
		cfg = cfg.WithCacheDir(dir)
	}
	return cfg, nil
}

// NewCmd builds `gocap wasm`; runF replaces the work in tests.
func NewCmd(ios *iostreams.IOStreams, runF func(context.Context, *Options) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wasm",
		Short: "Run, inspect and host WebAssembly modules in a sandbox (wazero)",
		Long: `Run WASI command modules, inspect modules and host reactor plugins with
wazero, sandboxed: no filesystem, environment or network unless granted, an
import allow-list checked before compilation, a timeout and a memory cap.`,
	}
	cmd.AddCommand(newRunCmd(ios, runF), newInspectCmd(ios, runF), newPluginCmd(ios, runF))
	return cmd
}

func dispatch(ctx context.Context, opts *Options, runF func(context.Context, *Options) error) error {
	if runF != nil {
		return runF(ctx, opts)
	}
	return Run(ctx, opts)
}

func newRunCmd(ios *iostreams.IOStreams, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: ios, Action: ActionRun, Exit: os.Exit}
	var eng engineFlags
	var mounts []string
	cmd := &cobra.Command{
		Use:   "run MODULE.wasm [-- ARGS...]",
		Short: "Run a WASI preview1 command module; its exit code becomes gocap's",
		Long: `Run a WASI preview1 command module (one exporting _start) with the given
arguments, environment and mounts. stdin, stdout and stderr are passed
through and so is the module's exit code.

Sandbox: the module sees no files, no environment and no network unless
granted with --env and --mount. A mount is confined to its directory: "../"
and symlinks pointing outside are refused, and :ro refuses writes.

Exit codes: the module's own; 2 when the module is refused or malformed;
3 when it times out, traps, overflows its stack or exceeds the memory cap.`,
		Example: `  echo hi | gocap wasm run hello.wasm -- world
  gocap wasm run --env GREETING=hi --mount ./data:/data:ro tool.wasm -- /data/in.txt
  gocap wasm run --timeout 2s --memory-limit 64MiB untrusted.wasm`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Module, opts.Args = args[0], args[1:]
			cfg, err := eng.config()
			if err != nil {
				return err
			}
			opts.Config = cfg
			for _, kv := range opts.Env {
				if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
					return cmdutil.Usagef("--env %q: want K=V", kv)
				}
			}
			for _, m := range mounts {
				mt, err := wasmrun.ParseMount(m)
				if err != nil {
					return cmdutil.Usagef("--mount %s", strings.TrimPrefix(err.Error(), "mount "))
				}
				opts.Mounts = append(opts.Mounts, mt)
			}
			err = dispatch(c.Context(), opts, runF)
			var ee *wasmrun.ExitError
			if errors.As(err, &ee) {
				opts.Exit(ee.ExitCode())
				return nil
			}
			return err
		},
	}
	eng.add(cmd, "time limit for the whole run")
	cmd.Flags().StringArrayVar(&opts.Env, "env", nil, "set an environment variable for the module: K=V (repeatable)")
	cmd.Flags().StringArrayVar(&mounts, "mount", nil, "expose a host directory: HOST:GUEST[:ro] (repeatable)")
	return cmd
}

func newInspectCmd(ios *iostreams.IOStreams, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: ios, Action: ActionInspect}
	cmd := &cobra.Command{
		Use:   "inspect MODULE.wasm",
		Short: "Show a module's imports, exports, memories, sections, sha256 and allow-list verdict",
		Long: `Read a module without compiling it: imports, exports, memories and their
limits, custom sections, sha256, whether it is a command or a reactor, and
the verdict against gocap's import allow-list (WASI preview1 without sockets,
plus gocap.log).

Exit codes: 0 allowed, 1 refused by the allow-list, 2 unreadable or malformed.`,
		Example: `  gocap wasm inspect plugin.wasm
  gocap wasm inspect --json plugin.wasm | jq .sha256`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Module = args[0]
			return dispatch(c.Context(), opts, runF)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func newPluginCmd(ios *iostreams.IOStreams, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: ios, Action: ActionPlugin}
	var eng engineFlags
	cmd := &cobra.Command{
		Use:   "plugin MODULE.wasm --call FUNC [--input FILE|-]",
		Short: "Load a reactor plugin and call one of its functions on bytes",
		Long: `Load a reactor module (Go: -buildmode=c-shared with //go:wasmexport),
initialise it (_initialize), pass the input bytes to FUNC and print its
output. ABI: the guest exports alloc(size) -> ptr and free(ptr); FUNC(ptr,
len) returns ptr<<32|len of its output, bit 31 of len flagging an error
message (see docs/wasm.md).

The module is refused before instantiation when it imports anything outside
the allow-list or when --sha256 does not match. With --watch, gocap keeps
running: when the file changes it loads the new module (calls in flight
finish on the old one), calls FUNC again with the same input and prints the
result, until Ctrl-C.

Exit codes: 0 ok, 1 the function reported an error, 2 refused, malformed or
bad flags, 3 the call timed out or trapped.`,
		Example: `  echo '{"a":1}' | gocap wasm plugin plugin.wasm --call format
  gocap wasm plugin plugin.wasm --call compact --input data.json --sha256 1ce8...
  gocap wasm plugin plugin.wasm --call format --input data.json --watch`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Module = args[0]
			if opts.Call == "" {
				return cmdutil.Usagef("--call FUNC is required (gocap wasm inspect %s lists the exports)", opts.Module)
			}
			cfg, err := eng.config()
			if err != nil {
				return err
			}
			opts.Config = cfg
			return dispatch(c.Context(), opts, runF)
		},
	}
	eng.add(cmd, "time limit for each call")
	cmd.Flags().StringVar(&opts.Call, "call", "", "the plugin function to call")
	cmd.Flags().StringVar(&opts.Input, "input", "-", "input bytes: a file, or - for stdin")
	cmd.Flags().BoolVar(&opts.Watch, "watch", false, "reload the module when the file changes and call again, until Ctrl-C")
	return cmd
}

// Run performs the action.
func Run(ctx context.Context, o *Options) error {
	bin, err := cmdutil.ReadInput(o.Module, "a WebAssembly module (.wasm)")
	if err != nil {
		return err
	}
	switch o.Action {
	case ActionInspect:
		return inspect(o, bin)
	case ActionPlugin:
		return plugin(ctx, o, bin)
	default:
		return run(ctx, o, bin)
	}
}

// wrap turns a wasmrun error into gocap's exit codes, naming the module.
func wrap(module string, err error) error {
	var ee *wasmrun.ExitError
	switch {
	case err == nil || errors.As(err, &ee):
		return err
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, wasmrun.ErrMalformed) && strings.HasSuffix(module, ".wat"):
		return cmdutil.Usagef("%s: %v; .wat is the text format: compile it first (wat2wasm %s)", module, err, module)
	case errors.Is(err, wasmrun.ErrMalformed), errors.Is(err, wasmrun.ErrRefused):
		return cmdutil.Usagef("%s: %v", module, err)
	case errors.Is(err, wasmrun.ErrMemoryLimit) && strings.Contains(err.Error(), "at start"):
		return cmdutil.Usagef("%s: %v", module, err)
	}
	return cmdutil.Toolf("%s: %v", module, err)
}

func run(ctx context.Context, o *Options, bin []byte) error {
	// A run is one short process: defer garbage collection until the heap
	// nears the guest's memory cap plus 256 MiB for the host (compiled code,
	// decoded module). This takes ~15% off a warm start (make bench-wasm).
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(o.Config.MemoryLimitPages())*wasmrun.PageSize + 256<<20))
	_, err := wasmrun.Run(ctx, bin, o.Config, wasmrun.RunOptions{
		Name: o.Module, Args: o.Args, Env: o.Env, Mounts: o.Mounts,
		Stdin: o.IO.In, Stdout: o.IO.Out, Stderr: o.IO.ErrOut,
	})
	if errors.Is(err, wasmrun.ErrTimeout) && o.IO.IsStdinTTY() {
		// The module's stdin is the terminal: it may have sat waiting for input.
		err = fmt.Errorf("%w (stdin is this terminal: if the module reads it, pipe input in or add </dev/null)", err)
	}
	return wrap(o.Module, err)
}

func inspect(o *Options, bin []byte) error {
	info, err := wasmrun.Inspect(bin)
	if err != nil {
		return wrap(o.Module, err)
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			return err
		}
	} else if err := printInfo(o.IO.Out, o.Module, info); err != nil {
		return err
	}
	if !info.Allowed {
		// The verdict above (or the JSON) names them; one short line here.
		n := fmt.Sprintf("%d imports", len(info.Disallowed))
		if len(info.Disallowed) == 1 {
			n = "1 import"
		}
		return &cmdutil.VerdictError{Msg: fmt.Sprintf("%s is refused: %s outside the allow-list (see the verdict)", o.Module, n)}
	}
	return nil
}

// printInfo prints the module's imports, exports, memories and verdict to out.
func printInfo(out io.Writer, name string, info *wasmrun.Info) error {
	w := errwriter.New(out)
	w.Printf("%s: %s, %d bytes\nsha256 %s\n", name, info.Kind, info.Size, info.SHA256)
	tabs := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	tw := errwriter.New(tabs) // tabwriter buffers: errors surface here or at Flush
	tw.Printf("\nimports (%d)\n", len(info.Imports))
	for _, im := range info.Imports {
		mark := "ok"
		for _, d := range info.Disallowed {
			if strings.HasPrefix(d, im.Module+"."+im.Name+" ") {
				mark = "REFUSED"
			}
		}
		tw.Printf("  %s.%s\t%s\t%s\t%s\n", im.Module, im.Name, im.Kind, im.Type, mark)
	}
	tw.Printf("\nexports (%d)\n", len(info.Exports))
	for _, e := range info.Exports {
		tw.Printf("  %s\t%s\t%s\n", e.Name, e.Kind, e.Type)
	}
	tw.Printf("\nmemories (%d)\n", len(info.Memories))
	for i, m := range info.Memories {
		max := "none"
		if m.HasMax {
			max = fmt.Sprintf("%d pages", m.Max)
		}
		imp := ""
		if m.Imported {
			imp = "imported"
		}
		tw.Printf("  %d\tmin %d pages (%d KiB)\tmax %s\t%s\n", i, m.Min, m.Min*64, max, imp)
	}
	tw.Printf("\ncustom sections (%d)\n", len(info.CustomSections))
	for _, c := range info.CustomSections {
		tw.Printf("  %s\t%d bytes\n", c.Name, c.Size)
	}
	if err := tw.Err(); err != nil {
		return err
	}
	if err := tabs.Flush(); err != nil {
		return err
	}
	if info.Allowed {
		w.Println("\nverdict: allowed (every import is on the allow-list)")
	} else {
		w.Printf("\nverdict: REFUSED: %s\n", strings.Join(info.Disallowed, ", "))
	}
	return w.Err()
}

func plugin(ctx context.Context, o *Options, bin []byte) (err error) {
	var in []byte
	if o.Input == "-" {
		in, err = io.ReadAll(o.IO.In)
	} else {
		in, err = os.ReadFile(o.Input)
	}
	if err != nil {
		return cmdutil.Usagef("--input %s: %v", o.Input, err)
	}
	p, err := wasmrun.Load(ctx, bin, o.Config.WithLog(o.IO.ErrOut))
	if err != nil {
		return wrap(o.Module, err)
	}
	defer func() {
		if cerr := p.Close(context.WithoutCancel(ctx)); cerr != nil {
			err = errors.Join(err, wrap(o.Module, cerr))
		}
	}()
	if !contains(p.Functions(), o.Call) {
		return cmdutil.Usagef("--call %s: %s exports no such plugin function (it has: %s)", o.Call, o.Module, strings.Join(p.Functions(), ", "))
	}
	call := func() error {
		out, err := p.Call(ctx, o.Call, in)
		var ge *wasmrun.GuestError
		if errors.As(err, &ge) {
			return &cmdutil.VerdictError{Msg: fmt.Sprintf("%s: plugin function %s returned an error: %s", o.Module, ge.Func, ge.Message)}
		}
		if err != nil {
			return wrap(o.Module, err)
		}
		_, err = o.IO.Out.Write(out)
		return err
	}
	err = call()
	if !o.Watch {
		return err
	}
	if err != nil {
		o.IO.Statusf("%s\n", cmdutil.Message(err))
	}
	o.IO.Statusf("gocap: watching %s (Ctrl-C to stop)\n", o.Module)
	werr := p.Watch(ctx, o.Module, 0, func(sum string, err error) {
		if err != nil {
			o.IO.Statusf("gocap: reload refused, keeping the old module: %v\n", err)
			return
		}
		o.IO.Statusf("gocap: reloaded %s (sha256 %.12s)\n", o.Module, sum)
		if err := call(); err != nil {
			o.IO.Statusf("%s\n", cmdutil.Message(err))
		}
	})
	if werr != nil {
		return cmdutil.Usagef("--watch %s: %v", o.Module, werr)
	}
	// Ctrl-C is how a watch ends: exit 0 (README, "Interrupting a command").
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
