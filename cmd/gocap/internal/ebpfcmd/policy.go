package ebpfcmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/termtext"
)

// PolicyOptions of gocap ebpf policy.
type PolicyOptions struct {
	IO          *iostreams.IOStreams
	Deny, Allow []string
	Rules       []ebpfprobe.Rule
	Iface       string
	Cgroup      string
	Direction   string
	DefaultDeny bool
	Demo        bool
	Duration    time.Duration
	JSON        bool
}

// NewPolicyCmd builds `gocap ebpf policy`.
func NewPolicyCmd(ios *iostreams.IOStreams, runF func(context.Context, *PolicyOptions) error) *cobra.Command {
	o := &PolicyOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "policy (--deny CIDR[:PORT]... [--allow ...] (--iface X | --cgroup PATH) | --demo)",
		Short: "Enforce CIDR/port rules with eBPF (LPM tries on TCX or cgroup_skb)",
		Long: `A policy enforcement point: CIDR rules (IPv4 and IPv6) with an optional
destination port, kept in LPM tries; the longest prefix wins and a port rule
beats an any-port rule of the same length. Enforced on TCX ingress/egress of an
interface (--iface) or on a cgroup v2 directory (--cgroup, cgroup_skb). Only TCP
and UDP are policed. Per-rule hit counters are printed when it stops.

The peer is the destination on egress and the source on ingress; the port is
always the destination port. IPv6 with a port: [fd00::/64]:443.

--demo creates two network namespaces joined by a veth pair, runs a server in
one, enforces its own rules on the other's egress, shows allowed connections
succeed and denied ones fail, prints the counters and removes everything.`,
		Example: `  gocap ebpf policy --demo
  gocap ebpf policy --iface eth0 --deny 203.0.113.0/24 --deny [2001:db8::/32]:443 --duration 1m
  gocap ebpf policy --cgroup /sys/fs/cgroup/unified/app.slice --deny 0.0.0.0/0:25`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.finish(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return RunPolicy(c.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Deny, "deny", nil, "drop traffic to/from CIDR[:PORT] (repeatable)")
	f.StringArrayVar(&o.Allow, "allow", nil, "let CIDR[:PORT] through, overriding shorter deny rules (repeatable)")
	f.StringVar(&o.Iface, "iface", "", "enforce on this interface with TCX")
	f.StringVar(&o.Cgroup, "cgroup", "", "enforce on this cgroup v2 directory with cgroup_skb")
	f.StringVar(&o.Direction, "direction", "egress", "egress, ingress or both")
	f.BoolVar(&o.DefaultDeny, "default-deny", false, "drop TCP/UDP that matches no rule")
	f.BoolVar(&o.Demo, "demo", false, "run the two-namespace demo with its own rules")
	f.DurationVarP(&o.Duration, "duration", "d", 0, "stop after this long (default: until Ctrl-C)")
	f.BoolVar(&o.JSON, "json", false, "print the counters (or the demo result) as JSON")
	return cmd
}

func (o *PolicyOptions) finish() error {
	if err := checkDuration("duration", o.Duration); err != nil {
		return err
	}
	if o.Demo {
		if len(o.Deny)+len(o.Allow) > 0 || o.Iface != "" || o.Cgroup != "" {
			return cmdutil.Usagef("--demo uses its own namespaces and rules: drop --deny/--allow/--iface/--cgroup")
		}
		return nil
	}
	if len(o.Deny)+len(o.Allow) == 0 {
		return cmdutil.Usagef("give at least one --deny or --allow rule (or --demo)")
	}
	if (o.Iface == "") == (o.Cgroup == "") {
		return cmdutil.Usagef("give exactly one of --iface NAME or --cgroup PATH")
	}
	switch o.Direction {
	case "egress", "ingress", "both":
	default:
		return cmdutil.Usagef("--direction %q: use egress, ingress or both", o.Direction)
	}
	for _, s := range o.Deny {
		r, err := ebpfprobe.ParseRule(ebpfprobe.Deny, s)
		if err != nil {
			return cmdutil.Usagef("--deny %v", err)
		}
		o.Rules = append(o.Rules, r)
	}
	for _, s := range o.Allow {
		r, err := ebpfprobe.ParseRule(ebpfprobe.Allow, s)
		if err != nil {
			return cmdutil.Usagef("--allow %v", err)
		}
		o.Rules = append(o.Rules, r)
	}
	if o.Iface != "" {
		if _, err := net.InterfaceByName(o.Iface); err != nil {
			return cmdutil.Usagef("--iface %s: no such interface (see ip link)", o.Iface)
		}
	}
	return nil
}

// RunPolicy enforces the rules until the duration ends or Ctrl-C, or runs the demo.
func RunPolicy(ctx context.Context, o *PolicyOptions) (err error) {
	if o.Demo {
		return runDemo(ctx, o)
	}
	ctx, cancel := withDuration(ctx, o.Duration)
	defer cancel()
	p, err := ebpfprobe.NewPolicy(o.Rules, o.DefaultDeny)
	if err != nil {
		return policyErr(err)
	}
	// Close detaches the programs: if that fails the policy may still be
	// enforced, which the user must hear about.
	defer func() {
		if cerr := p.Close(); cerr != nil {
			err = errors.Join(err, mapErr("policy", cerr))
		}
	}()
	dir := map[string]ebpfprobe.Direction{"egress": ebpfprobe.Egress, "ingress": ebpfprobe.Ingress, "both": ebpfprobe.Both}[o.Direction]
	where := ""
	if o.Iface != "" {
		ifc, err := net.InterfaceByName(o.Iface)
		if err != nil {
			return cmdutil.Usagef("--iface %s: %v", o.Iface, err)
		}
		err = p.AttachTCX(ifc.Index, dir)
		where = "tcx " + o.Direction + " of " + o.Iface
		if err != nil {
			return mapErr("policy", err)
		}
	} else {
		if err := p.AttachCgroup(o.Cgroup, dir); err != nil {
			return policyErr(err)
		}
		where = "cgroup_skb " + o.Direction + " of " + o.Cgroup
	}
	o.IO.Statusf("enforcing %s on %s... Ctrl-C to stop\n", plural(len(o.Rules), "rule"), where)
	<-ctx.Done()
	h, err := p.Hits()
	if err != nil {
		return mapErr("policy", err)
	}
	return printHits(o, h)
}

func policyErr(err error) error {
	if _, ok := errors.AsType[*ebpfprobe.PermissionError](err); ok {
		return mapErr("policy", err)
	}
	if _, ok := errors.AsType[*ebpfprobe.UnsupportedError](err); ok {
		return mapErr("policy", err)
	}
	return cmdutil.Usagef("ebpf policy: %v", err)
}

func printHits(o *PolicyOptions, h ebpfprobe.PolicyHits) error {
	if o.JSON {
		return writeJSON(o.IO.Out, h)
	}
	out := errwriter.New(o.IO.Out)
	out.Printf("%10s  %s\n", "HITS", "RULE")
	for _, r := range h.Rules {
		out.Printf("%10d  %s\n", r.Hits, r.Text)
	}
	out.Printf("%10d  (no rule matched)\n", h.Unmatched)
	return out.Err()
}

func runDemo(ctx context.Context, o *PolicyOptions) error {
	res, err := ebpfprobe.PolicyDemo(ctx, func(m string) { o.IO.Statusf("%s\n", m) })
	if err != nil {
		return mapErr("policy --demo", err)
	}
	if o.JSON {
		if err := writeJSON(o.IO.Out, res); err != nil {
			return err
		}
	} else {
		out := errwriter.New(o.IO.Out)
		out.Printf("%s\n", termtext.Wrap(o.IO.Width(), "", fmt.Sprintf("namespaces %s (client) and %s (server), policy on tcx egress of %s:", res.Namespaces[0], res.Namespaces[1], res.Interface), 2))
		for _, r := range res.Rules {
			out.Printf("  %s\n", r)
		}
		out.Println()
		for _, a := range res.Attempts {
			verdict := "connected"
			if !a.Allowed {
				verdict = "blocked (" + a.Error + ")"
			}
			ok := "as expected"
			if a.Allowed != a.Want {
				ok = "UNEXPECTED"
			}
			// The verdict (with the dial error) last, wrapped to the width.
			out.Printf("%s\n", termtext.Wrap(o.IO.Width(), fmt.Sprintf("  connect %-22s %-11s ", a.Target, ok), verdict, 10))
		}
		out.Println()
		if out.Err() == nil {
			if err := printHits(&PolicyOptions{IO: o.IO}, res.Hits); err != nil {
				return err
			}
		}
		out.Printf("\nremoved %s and %s\n", res.Namespaces[0], res.Namespaces[1])
		if err := out.Err(); err != nil {
			return err
		}
	}
	if !res.OK() {
		return &cmdutil.VerdictError{Msg: "ebpf policy --demo: its connections did not end as its rules say"}
	}
	return nil
}
