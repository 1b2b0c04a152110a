package ebpfcmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/termtext"
)

// MallocOptions of gocap ebpf malloc.
type MallocOptions struct {
	IO          *iostreams.IOStreams
	Exe         string
	PID         int
	Cmd         []string
	Duration    time.Duration
	SampleBytes uint64
	Top         int
	JSON        bool
}

// NewMallocCmd builds `gocap ebpf malloc`.
func NewMallocCmd(ios *iostreams.IOStreams, runF func(context.Context, *MallocOptions) error) *cobra.Command {
	o := &MallocOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "malloc (--exe PATH | --pid P | -- CMD [ARGS...])",
		Short: "Trace a Go program's allocations (entry-only uprobe on runtime.mallocgc)",
		Long: `Count a Go program's heap allocations with an entry-only uprobe on
runtime.mallocgc (Go ≥ 1.17 on amd64: the size is in RAX; no uretprobes, which
crash Go programs whose stacks move). Prints the allocation rate, a log2 size
histogram, and the top allocation sites (function file:line) from stacks
sampled every --sample-bytes allocated bytes, symbolized from the binary's own
pclntab (stripped binaries keep it).

--exe traces every process running PATH, --pid one process, and "-- CMD ARGS"
starts the command and traces it until it exits.`,
		Example: `  gocap ebpf malloc -- ./myserver -addr :8080
  gocap ebpf malloc --pid 4242 --duration 10s
  gocap ebpf malloc --exe ./bin/app --top 5`,
		RunE: func(c *cobra.Command, args []string) error {
			if dash := c.ArgsLenAtDash(); dash >= 0 {
				if dash > 0 {
					return cmdutil.Usagef("unexpected argument %q before --", args[0])
				}
				o.Cmd = args
			} else if len(args) > 0 {
				return cmdutil.Usagef("unexpected argument %q: put the command after --, e.g. gocap ebpf malloc -- %s", args[0], args[0])
			}
			set := 0
			for _, b := range []bool{o.Exe != "", o.PID != 0, len(o.Cmd) > 0} {
				if b {
					set++
				}
			}
			if set != 1 {
				return cmdutil.Usagef("name exactly one target: --exe PATH, --pid P or -- CMD ARGS")
			}
			if o.PID < 0 {
				return cmdutil.Usagef("--pid %d: must be a process id", o.PID)
			}
			if o.PID > 0 {
				if _, err := os.Stat(fmt.Sprintf("/proc/%d", o.PID)); err != nil {
					return cmdutil.Usagef("--pid %d: no such process", o.PID)
				}
			}
			if len(o.Cmd) > 0 {
				if _, err := exec.LookPath(o.Cmd[0]); err != nil {
					return cmdutil.Usagef("ebpf malloc -- %s: %s (give the path of a Go program, or a command on $PATH)", o.Cmd[0], lookPathWhy(err))
				}
			}
			if o.Exe != "" {
				if st, err := os.Stat(o.Exe); err != nil || st.IsDir() {
					return cmdutil.Usagef("--exe %s: no such file", o.Exe)
				}
			}
			if err := checkDuration("duration", o.Duration); err != nil {
				return err
			}
			if o.Top <= 0 {
				return cmdutil.Usagef("--top %d: must be ≥ 1", o.Top)
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return RunMalloc(c.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Exe, "exe", "", "trace every process running this Go executable")
	cmd.Flags().IntVar(&o.PID, "pid", 0, "trace this running Go process")
	cmd.Flags().DurationVarP(&o.Duration, "duration", "d", 0, "stop after this long (default: until Ctrl-C or the command exits)")
	cmd.Flags().Uint64Var(&o.SampleBytes, "sample-bytes", ebpfprobe.DefaultSampleBytes, "take one stack per this many allocated bytes")
	cmd.Flags().IntVar(&o.Top, "top", 10, "show this many allocation sites")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the result as JSON")
	return cmd
}

func lookPathWhy(err error) string {
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return "not found on $PATH"
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err.Error()
	}
	return err.Error()
}

// RunMalloc traces and prints the result.
func RunMalloc(ctx context.Context, o *MallocOptions) error {
	ctx, cancel := withDuration(ctx, o.Duration)
	defer cancel()
	res, err := ebpfprobe.TraceMalloc(ctx, ebpfprobe.MallocOptions{
		Exe: o.Exe, PID: o.PID, Cmd: o.Cmd, SampleBytes: o.SampleBytes,
		Stdin: o.IO.In, Stdout: o.IO.ErrOut, Stderr: o.IO.ErrOut,
		Ready: func() { o.IO.Statusf("tracing runtime.mallocgc... Ctrl-C to stop\n") },
	})
	if err != nil {
		return mapErr("malloc", err)
	}
	if len(res.Sites) > o.Top {
		res.Sites = res.Sites[:o.Top]
	}
	if o.JSON {
		return writeJSON(o.IO.Out, res)
	}
	out := errwriter.New(o.IO.Out)
	out.Printf("%s (%s, pid %d) for %v\n", res.Exe, res.GoVersion, res.PID, res.Duration.Round(time.Millisecond))
	out.Printf("%s\n\n", termtext.Wrap(o.IO.Width(), "", fmt.Sprintf("%d allocations, %s, %.0f allocs/s, %d stack samples (1 per %s), %d lost",
		res.Count, humanBytes(res.Bytes), res.PerSecond, res.Samples, humanBytes(res.SampleBytes), res.Lost), 0))
	// Kernel slots: 0 = size 0, i = [2^(i-1), 2^i); bcc's: floor(log2).
	slots := make([]uint64, 64)
	for i, c := range res.SizeHist {
		s := i - 1
		if s < 0 {
			s = 0
		}
		slots[s] += c
	}
	printLog2Hist(out, "bytes", slots)
	out.Printf("\ntop allocation sites (by sampled bytes):\n")
	var total uint64
	for _, s := range res.Sites {
		total += s.Bytes
	}
	for _, s := range res.Sites {
		pct := 0.0
		if total > 0 {
			pct = 100 * float64(s.Bytes) / float64(total)
		}
		loc := ""
		if s.File != "" {
			loc = fmt.Sprintf("%s:%d", filepath.Base(s.File), s.Line)
		}
		out.Printf("  %5.1f%% %10s  %-40s %s\n", pct, humanBytes(s.Bytes), s.Function, loc)
	}
	if res.ExitCode != 0 {
		out.Printf("\nthe command exited with status %d\n", res.ExitCode)
	}
	return out.Err()
}

func humanBytes(b uint64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}
