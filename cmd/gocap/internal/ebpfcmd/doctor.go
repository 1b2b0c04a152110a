package ebpfcmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/termtext"
)

// DoctorOptions of gocap ebpf doctor.
type DoctorOptions struct {
	IO   *iostreams.IOStreams
	JSON bool
}

// NewDoctorCmd builds `gocap ebpf doctor`.
func NewDoctorCmd(ios *iostreams.IOStreams, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	o := &DoctorOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "What this kernel and process can do for eBPF, with a real attach test per hook",
		Long: `Report the kernel version, BTF, capabilities, tracefs (mounted when missing and
root), bpffs, program and map types, and attach a tiny program to every hook
gocap uses (tracepoint, raw tracepoint, uprobe, TCX, cgroup_skb). kprobe and
fentry are tested too and shown unsupported with the reason when missing.
Without the privileges eBPF needs, doctor says so once, with the fix, and
skips what only they would let it test.

Exit 1 when a hook gocap needs does not work, 2 without privileges.`,
		Example: `  sudo gocap ebpf doctor
  sudo gocap ebpf doctor --json | jq '.items[] | select(.status != "ok")'`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), o)
			}
			return RunDoctor(c.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the report as JSON")
	return cmd
}

// RunDoctor runs the doctor and prints each verdict with its fix.
func RunDoctor(ctx context.Context, o *DoctorOptions) error {
	r := ebpfprobe.Doctor(ctx)
	if o.JSON {
		if err := writeJSON(o.IO.Out, r); err != nil {
			return err
		}
	} else {
		out := errwriter.New(o.IO.Out)
		area := ""
		for _, it := range r.Items {
			if it.Area != area {
				area = it.Area
				out.Printf("%s\n", area)
			}
			mark := map[ebpfprobe.Status]string{ebpfprobe.StatusOK: "ok  ", ebpfprobe.StatusWarn: "warn", ebpfprobe.StatusFail: "FAIL", ebpfprobe.StatusUnsupported: "n/a ", ebpfprobe.StatusSkipped: "skip"}[it.Status]
			// Details wrap under their column, not at the terminal's edge;
			// on a narrow terminal under the name, leaving them more room.
			w, indent := o.IO.Width(), 46
			if w < 100 {
				indent = 7
			}
			out.Printf("%s\n", termtext.Wrap(w, fmt.Sprintf("  %s %-38s ", mark, it.Name), it.Detail, indent))
			if it.Fix != "" && it.Status != ebpfprobe.StatusOK {
				label := "fix: "
				if it.Status == ebpfprobe.StatusUnsupported {
					label = "note: "
				}
				out.Printf("%s\n", termtext.Wrap(w, strings.Repeat(" ", indent)+label, it.Fix, indent+len(label)))
			}
		}
		if err := out.Err(); err != nil {
			return err
		}
	}
	if len(r.MissingPrivileges) > 0 {
		// As every ebpf command without privileges: exit 2; the fix is above.
		return cmdutil.Usagef("ebpf doctor: run without %s, so the kernel could not be tested (fix under privileges above)", strings.Join(r.MissingPrivileges, ", "))
	}
	if !r.OK() {
		return &cmdutil.VerdictError{Msg: "ebpf doctor: a hook gocap needs does not work (see the FAIL lines)"}
	}
	return nil
}
