package ebpfcmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/termtext"
)

// LoadOptions of gocap ebpf load.
type LoadOptions struct {
	IO          *iostreams.IOStreams
	File        string
	CheckStruct []string
	JSON        bool
}

// NewLoadCmd builds `gocap ebpf load`.
func NewLoadCmd(ios *iostreams.IOStreams, runF func(context.Context, *LoadOptions) error) *cobra.Command {
	o := &LoadOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "load FILE.o",
		Short: "Load an eBPF object: verifier stats per program, map sizes vs BTF, then unload",
		Long: `Parse an eBPF ELF object (a CollectionSpec), load it so the verifier runs, and
report every program (type, instructions, instructions the verifier processed,
states) and map (type, key/value sizes against their BTF types). On rejection
the verifier log's tail is shown and the exit code is 1. Everything is unloaded
before gocap exits.

--check-struct NAME=FILE.go:Type compares a BTF layout (NAME: MAP.key,
MAP.value or a BTF struct name) with a Go struct's size and field offsets on
amd64: the boundary where Go and the kernel must agree byte for byte.`,
		Example: `  gocap ebpf load prog.o
  gocap ebpf load prog.o --check-struct events.value=event.go:Event`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.Usagef("give one object file: gocap ebpf load FILE.o")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.File = args[0]
			if err := cmdutil.CheckInput(o.File, "a compiled eBPF object (clang -target bpf -c prog.c -o prog.o)"); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return RunLoad(c.Context(), o)
		},
	}
	cmd.Flags().StringArrayVar(&o.CheckStruct, "check-struct", nil, "NAME=FILE.go:Type: compare a BTF layout with a Go struct (repeatable)")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	return cmd
}

// RunLoad inspects the object and prints the report.
func RunLoad(_ context.Context, o *LoadOptions) error {
	rep, err := ebpfprobe.Inspect(o.File, o.CheckStruct)
	var rj *ebpfprobe.RejectedError
	if err != nil && !errors.As(err, &rj) {
		if rep == nil && !errors.Is(err, ebpfprobe.ErrBadObject) {
			var pe *ebpfprobe.PermissionError
			if !errors.As(err, &pe) {
				return cmdutil.Usagef("ebpf load: %v", err) // --check-struct problems
			}
		}
		return mapErr("load", err)
	}
	if o.JSON {
		if e := writeJSON(o.IO.Out, rep); e != nil {
			return e
		}
		return mapErr("load", err)
	}
	out := errwriter.New(o.IO.Out)
	out.Printf("%s\n\nprograms:\n", rep.File)
	// Columns as wide as their longest entry; the section goes on a line of
	// its own when the row would not fit the terminal.
	nameW, typeW, secW := len("NAME"), len("TYPE"), len("SECTION")
	for _, p := range rep.Programs {
		nameW, typeW, secW = max(nameW, len(p.Name)), max(typeW, len(p.Type)), max(secW, len(p.Section))
	}
	ownLine := 2+nameW+1+typeW+1+secW+35 > o.IO.Width()
	if ownLine {
		out.Printf("  %-*s %-*s %7s %10s %7s %7s\n", nameW, "NAME", typeW, "TYPE", "INSNS", "PROCESSED", "STATES", "PEAK")
	} else {
		out.Printf("  %-*s %-*s %-*s %7s %10s %7s %7s\n", nameW, "NAME", typeW, "TYPE", secW, "SECTION", "INSNS", "PROCESSED", "STATES", "PEAK")
	}
	for _, p := range rep.Programs {
		if ownLine {
			out.Printf("  %-*s %-*s %7d %10d %7d %7d\n    section %s\n", nameW, p.Name, typeW, p.Type, p.Instructions, p.Processed, p.TotalStates, p.PeakStates, p.Section)
			continue
		}
		out.Printf("  %-*s %-*s %-*s %7d %10d %7d %7d\n", nameW, p.Name, typeW, p.Type, secW, p.Section, p.Instructions, p.Processed, p.TotalStates, p.PeakStates)
	}
	out.Printf("\nmaps:\n  %-20s %-14s %5s %6s %8s  %s\n", "NAME", "TYPE", "KEY", "VALUE", "ENTRIES", "BTF")
	for _, m := range rep.Maps {
		btfs := m.KeyBTF
		if m.ValueBTF != "" {
			btfs += " → " + m.ValueBTF
		}
		btfs = strings.TrimSpace(btfs)
		row := fmt.Sprintf("  %-20s %-14s %5d %6d %8d  ", m.Name, m.Type, m.KeySize, m.ValueSize, m.MaxEntries)
		if termtext.Width(row+btfs) > o.IO.Width() {
			row = strings.TrimRight(row, " ") + "\n      " // the BTF types on a line of their own
		}
		out.Printf("%s\n", strings.TrimRight(row+btfs, " "))
		if m.Mismatch != "" {
			out.Printf("  %-20s MISMATCH: %s\n", "", m.Mismatch)
		}
	}
	for _, s := range rep.Structs {
		verdict := "layouts agree"
		if len(s.Problems) > 0 {
			verdict = fmt.Sprintf("%d problem(s)", len(s.Problems))
		}
		out.Printf("\nstruct check %s: BTF %s vs Go %s: %s\n", s.Spec, s.BTFType, s.GoType, verdict)
		for _, p := range s.Problems {
			out.Printf("  - %s\n", p)
		}
	}
	if rep.Rejected != nil {
		out.Printf("\nREJECTED program %s: %s\nverifier log (tail):\n", rep.Rejected.Program, rep.Rejected.Error)
		for _, l := range rep.Rejected.LogTail {
			out.Printf("  %s\n", l)
		}
		if werr := out.Err(); werr != nil {
			return werr
		}
		return mapErr("load", err)
	}
	out.Println("\nloaded, verified and unloaded")
	if err := out.Err(); err != nil {
		return err
	}
	for _, s := range rep.Structs {
		if len(s.Problems) > 0 {
			return &cmdutil.VerdictError{Msg: "ebpf load: a --check-struct layout does not match (see above)"}
		}
	}
	return nil
}
