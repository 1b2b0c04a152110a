// Package root assembles gocap's cobra command tree and maps errors to exit codes.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gocap/gocap/cmd/gocap/internal/checkcmd"
	"github.com/gocap/gocap/cmd/gocap/internal/runcmd"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/version"
)

// Subcommands added by other command packages (ebpf, wasm, mtls, report).
var extra []func(*iostreams.IOStreams) *cobra.Command

// NewCmd builds the root command.
func NewCmd(ios *iostreams.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gocap",
		Short: "Check, prove and teach Go engineering capability",
		Long: `gocap checks a Go module (vet, gofmt, tidy, races, escape analysis, profiles,
error handling, logging), runs hands-on labs (eBPF, WebAssembly, SPIFFE mTLS)
and scores it all into one report.

Exit codes: 0 ok, 1 gate failed, 2 bad input or usage, 3 a tool or gocap failed.`,
		Example: `  gocap check                                  # the module in this folder
  gocap check ./internal/... --checks vet,race
  gocap check --format json --out gocap.json --min-score 80 --fail-on error
  gocap run --labs wasm,mtls                   # the check plus hands-on labs
  gocap report render gocap.json --format md
  sudo gocap ebpf doctor`,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.Usagef("%v%s (see %s --help)", err, flagHint(c, err), c.CommandPath())
	})
	cmd.AddCommand(checkcmd.NewCmd(ios, Checks(), nil))
	cmd.AddCommand(runcmd.NewCmd(ios, Checks(), Labs(), nil))
	for _, f := range extra {
		cmd.AddCommand(f(ios))
	}
	guardGroups(cmd)
	cmd.SetHelpCommand(newHelpCmd())
	registerCompletions(cmd)
	return cmd
}

// newHelpCmd is `gocap help [command]`. cobra's own prints "Unknown help
// topic" and the usage for a typo, and exits 0.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return cmdutil.Usagef("help %s: no such command (see gocap --help)", strings.Join(args, " "))
			}
			return target.Help()
		},
	}
}

// guardGroups makes every command that only groups others (gocap, gocap
// ebpf, …) refuse an unknown subcommand with exit 2. Left alone, cobra prints
// the group's help and exits 0 for `gocap ebpf doctr`, so a typo in a CI
// script would pass. Without arguments a group still prints its help.
func guardGroups(c *cobra.Command) {
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs
		c.DisableFlagsInUseLine = true // its usage stays "gocap ebpf [command]"
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			hint := ""
			if c.SuggestionsMinimumDistance <= 0 {
				c.SuggestionsMinimumDistance = 2 // cobra's default, set only on its own path
			}
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				hint = ": did you mean " + strings.Join(s, " or ") + "?"
			}
			return cmdutil.Usagef("unknown command %q for %q%s (see %s --help)", args[0], c.CommandPath(), hint, c.CommandPath())
		}
	}
	for _, sub := range c.Commands() {
		guardGroups(sub)
	}
}

// Main runs gocap with args and returns the exit code. SIGINT and SIGTERM
// cancel the context so every command cleans up before returning.
func Main(args []string, ios *iostreams.IOStreams) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := NewCmd(ios)
	cmd.SetArgs(args)
	sub, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// stderr is the last channel: if even it fails, the exit code still tells.
		// On a terminal the line starts clean, over the ^C it echoed.
		clear := ""
		if ios.IsStderrTTY() {
			clear = "\r\x1b[K"
		}
		_, _ = fmt.Fprintln(ios.ErrOut, clear+"gocap: interrupted")
		return cmdutil.ExitInternal
	}
	if isCobraUsage(err) && sub != nil {
		// cobra's argument-count errors name neither the command nor its arguments.
		err = cmdutil.Usagef("%s: %v (usage: %s; see --help)", strings.TrimPrefix(sub.CommandPath(), "gocap "), err, sub.UseLine())
	}
	_, _ = fmt.Fprintln(ios.ErrOut, cmdutil.Message(err)) // last channel, as above
	return cmdutil.ExitCode(err)
}

// flagHint suggests the flags of c that an unknown --flag was likely meant
// to be: one name a prefix of the other (--lab, --labs) or the same letters
// in another order (--chekcs, --checks).
func flagHint(c *cobra.Command, err error) string {
	typed, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok || typed == "" {
		return ""
	}
	var near []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && (strings.HasPrefix(f.Name, typed) || strings.HasPrefix(typed, f.Name) || sameLetters(f.Name, typed)) {
			near = append(near, "--"+f.Name)
		}
	})
	if len(near) == 0 || len(near) > 3 {
		return ""
	}
	return ": did you mean " + strings.Join(near, " or ") + "?"
}

func sameLetters(a, b string) bool {
	x, y := []byte(a), []byte(b)
	slices.Sort(x)
	slices.Sort(y)
	return string(x) == string(y)
}

func isCobraUsage(err error) bool {
	m := err.Error()
	return strings.HasPrefix(m, "unknown command") || strings.HasPrefix(m, "accepts ") || strings.HasPrefix(m, "requires ") || strings.Contains(m, "arg(s)")
}
