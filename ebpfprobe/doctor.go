package ebpfprobe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/gocap/gocap/ebpfprobe/internal/gosyms"
)

// Status is a doctor verdict.
type Status string

const (
	StatusOK          Status = "ok"
	StatusWarn        Status = "warn"        // works, but something is worth knowing
	StatusFail        Status = "fail"        // gocap needs this and it does not work
	StatusUnsupported Status = "unsupported" // the kernel lacks it; gocap does without
	StatusSkipped     Status = "skipped"     // not testable here (no privileges to try)
)

// DoctorItem is one line of the doctor's report.
type DoctorItem struct {
	Area   string `json:"area"` // kernel, privileges, filesystems, program types, map types, attach
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
	// Needed says whether gocap's probes rely on it.
	Needed bool `json:"needed"`
}

// DoctorReport is the doctor's answer.
type DoctorReport struct {
	Items []DoctorItem `json:"items"`
	// MissingPrivileges names the capabilities this process lacks; what
	// needs them is skipped (no kernel verdict can be had without them).
	MissingPrivileges []string `json:"missing_privileges,omitempty"`
}

// privilegesFix is the one fix for missing privileges.
const privilegesFix = "run as root (sudo gocap ebpf doctor), or: setcap cap_bpf,cap_perfmon,cap_net_admin+ep $(command -v gocap)"

// isPerm reports whether err is the kernel refusing for lack of privilege.
func isPerm(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, os.ErrPermission)
}

// OK reports whether everything gocap needs works.
func (r *DoctorReport) OK() bool {
	for _, it := range r.Items {
		if it.Needed && it.Status == StatusFail {
			return false
		}
	}
	return true
}

// Doctor inspects the kernel and this process: version, BTF, capabilities,
// tracefs (mounted when missing and allowed), bpffs, program and map types,
// and a real attach test of every hook gocap uses. Hooks gocap does without
// (kprobe, fentry) are tested too and reported unsupported with the reason.
// It loads only tiny programs and closes each before returning.
func Doctor(ctx context.Context) *DoctorReport {
	r := &DoctorReport{}
	add := func(it DoctorItem) { r.Items = append(r.Items, it) }
	_ = rlimit.RemoveMemlock()

	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		add(DoctorItem{Area: "kernel", Name: "version", Status: StatusOK, Detail: unix.ByteSliceToString(uts.Release[:]) + " " + unix.ByteSliceToString(uts.Machine[:]), Needed: true})
	}
	if _, err := btf.LoadKernelSpec(); err != nil {
		add(DoctorItem{Area: "kernel", Name: "BTF", Status: StatusFail, Detail: err.Error(), Fix: "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (CO-RE reads tcp_sock through it)", Needed: true})
	} else {
		add(DoctorItem{Area: "kernel", Name: "BTF", Status: StatusOK, Detail: "/sys/kernel/btf/vmlinux", Needed: true})
	}

	mask, err := effectiveCaps()
	if err != nil {
		add(DoctorItem{Area: "privileges", Name: "capabilities", Status: StatusFail, Detail: err.Error(), Needed: true})
	}
	admin := hasCap(mask, capSysAdmin)
	var missing []string
	var ok []DoctorItem
	for _, c := range []struct {
		name string
		bit  int
		use  string
	}{
		{"CAP_BPF", capBPF, "load programs and maps"},
		{"CAP_PERFMON", capPerfmon, "tracepoints, uprobes, stack traces"},
		{"CAP_NET_ADMIN", capNetAdmin, "TCX, cgroup_skb, network namespaces"},
	} {
		if hasCap(mask, c.bit) || (admin && c.bit != capNetAdmin) {
			ok = append(ok, DoctorItem{Area: "privileges", Name: c.name, Status: StatusOK, Detail: c.use, Needed: true})
		} else {
			missing = append(missing, c.name+" ("+c.use+")")
			r.MissingPrivileges = append(r.MissingPrivileges, c.name)
		}
	}
	unpriv := len(missing) > 0
	if unpriv {
		// Said once, with the fix; what needs the privileges is skipped below.
		add(DoctorItem{Area: "privileges", Name: "capabilities", Status: StatusFail, Needed: true, Fix: privilegesFix,
			Detail: fmt.Sprintf("uid %d lacks %s: the checks below that need them are skipped", os.Geteuid(), strings.Join(missing, ", "))})
	} else {
		r.Items = append(r.Items, ok...)
		it := DoctorItem{Area: "privileges", Name: "CAP_SYS_ADMIN", Status: StatusOK, Detail: "stands in for CAP_BPF/CAP_PERFMON; mount tracefs"}
		if !admin {
			it.Status, it.Fix = StatusWarn, "mounting tracefs when it is missing needs CAP_SYS_ADMIN (root)"
		}
		add(it)
	}
	// skipped turns a refusal for lack of privilege into "not tested".
	skipped := func(it DoctorItem, err error) (DoctorItem, bool) {
		if !unpriv || !isPerm(err) {
			return it, false
		}
		it.Status, it.Fix = StatusSkipped, ""
		it.Detail = "not tested: needs the privileges above (the kernel said: " + unwrapAll(err).Error() + ")"
		return it, true
	}

	if p, mounted, err := ensureTracefs(); err != nil {
		if it, ok := skipped(DoctorItem{Area: "filesystems", Name: "tracefs", Needed: true}, err); ok {
			it.Detail = "mounted at " + tracefsMountpoint() + "; this user cannot read it: needs the privileges above"
			add(it)
		} else {
			add(DoctorItem{Area: "filesystems", Name: "tracefs", Status: StatusFail, Detail: err.Error(), Fix: "mount -t tracefs nodev /sys/kernel/tracing", Needed: true})
		}
	} else if mounted {
		add(DoctorItem{Area: "filesystems", Name: "tracefs", Status: StatusOK, Detail: "was not mounted: mounted it at " + p, Needed: true})
	} else {
		add(DoctorItem{Area: "filesystems", Name: "tracefs", Status: StatusOK, Detail: p, Needed: true})
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs("/sys/fs/bpf", &sfs); err == nil && sfs.Type == unix.BPF_FS_MAGIC {
		add(DoctorItem{Area: "filesystems", Name: "bpffs", Status: StatusOK, Detail: "/sys/fs/bpf"})
	} else {
		add(DoctorItem{Area: "filesystems", Name: "bpffs", Status: StatusWarn, Detail: "/sys/fs/bpf is not a bpf filesystem (gocap pins nothing, so it does not need it)", Fix: "mount -t bpf bpf /sys/fs/bpf"})
	}
	for _, pt := range []struct {
		t      ebpf.ProgramType
		needed bool
	}{{ebpf.TracePoint, true}, {ebpf.RawTracepoint, true}, {ebpf.Kprobe, true}, {ebpf.SchedCLS, true}, {ebpf.CGroupSKB, true}, {ebpf.XDP, false}, {ebpf.Tracing, false}} {
		it := DoctorItem{Area: "program types", Name: pt.t.String(), Needed: pt.needed}
		if err := features.HaveProgramType(pt.t); err != nil {
			if it, ok := skipped(it, err); ok {
				add(it)
				continue
			}
			it.Status, it.Detail = StatusFail, strings.TrimSuffix(err.Error(), " (MEMLOCK may be too low, consider rlimit.RemoveMemlock)")
			if !pt.needed {
				it.Status = StatusUnsupported
			}
		} else {
			it.Status, it.Detail = StatusOK, "loadable"
		}
		if pt.t == ebpf.Kprobe {
			it.Detail += " (uprobes use this type too)"
		}
		add(it)
	}
	for _, mt := range []ebpf.MapType{ebpf.RingBuf, ebpf.LPMTrie, ebpf.Hash, ebpf.PerCPUArray, ebpf.Array} {
		it := DoctorItem{Area: "map types", Name: mt.String(), Needed: true, Status: StatusOK, Detail: "creatable"}
		if err := features.HaveMapType(mt); err != nil {
			it.Status, it.Detail = StatusFail, err.Error()
			it, _ = skipped(it, err)
		}
		add(it)
	}

	for _, a := range attachTests {
		it := DoctorItem{Area: "attach", Name: a.name, Needed: a.needed}
		detail, err := a.run()
		if sk, ok := skipped(it, err); ok {
			add(sk)
			continue
		}
		switch {
		case err == nil:
			it.Status, it.Detail = StatusOK, detail
		case a.needed:
			it.Status, it.Detail, it.Fix = StatusFail, err.Error(), a.fix
		default:
			it.Status, it.Detail, it.Fix = StatusUnsupported, err.Error(), a.fix
		}
		add(it)
		if ctx.Err() != nil {
			break
		}
	}
	return r
}

// unwrapAll is the innermost error: the kernel's errno, not the layers of
// context around it (whose advice, such as MEMLOCK, does not apply).
func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

type attachTest struct {
	name   string
	needed bool
	fix    string
	run    func() (string, error)
}

var attachTests = []attachTest{
	{"tracepoint sock:inet_sock_set_state", true, "mount tracefs; the kernel needs CONFIG_TRACEPOINTS (gocap ebpf tcp uses it)", attachTracepoint},
	{"raw tracepoint sys_enter", true, "the kernel needs CONFIG_BPF_EVENTS", attachRawTracepoint},
	{"uprobe runtime.mallocgc (this binary)", true, "the kernel needs CONFIG_UPROBE_EVENTS (gocap ebpf malloc uses it)", attachUprobe},
	{"tcx ingress lo", true, "Linux ≥ 6.6 for TCX (gocap ebpf policy --iface)", attachTCX},
	{"cgroup_skb egress (cgroup v2 root)", true, "mount cgroup2 (gocap ebpf policy --cgroup)", attachCgroupSKB},
	{"kprobe do_sys_openat2", false, "not needed: gocap traces TCP from tracepoints; a kernel with CONFIG_KPROBE_EVENTS=y would allow it", attachKprobe},
	{"fentry do_sys_openat2", false, "not needed: gocap uses tracepoints and uprobes; fentry needs CONFIG_FUNCTION_TRACER and BPF trampolines", attachFentry},
}

func retProg(t ebpf.ProgramType, at ebpf.AttachType, ret int32) (*ebpf.Program, error) {
	return ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         t,
		AttachType:   at,
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, ret), asm.Return()},
		License:      "GPL",
	})
}

func attachTracepoint() (_ string, err error) {
	if _, _, err := ensureTracefs(); err != nil {
		return "", err
	}
	p, err := retProg(ebpf.TracePoint, ebpf.AttachNone, 0)
	if err != nil {
		return "", err
	}
	defer func() { err = errors.Join(err, p.Close()) }()
	l, err := link.Tracepoint("sock", "inet_sock_set_state", p, nil)
	if err != nil {
		return "", err
	}
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("attached, but detaching failed: %w", err)
	}
	return "attached and detached", nil
}

func attachRawTracepoint() (_ string, err error) {
	p, err := retProg(ebpf.RawTracepoint, ebpf.AttachNone, 0)
	if err != nil {
		return "", err
	}
	defer func() { err = errors.Join(err, p.Close()) }()
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: p})
	if err != nil {
		return "", err
	}
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("attached, but detaching failed: %w", err)
	}
	return "attached and detached", nil
}

func attachUprobe() (_ string, err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	bin, err := gosyms.Open(exe)
	if err != nil {
		return "", err
	}
	if _, _, err := ensureTracefs(); err != nil {
		return "", err
	}
	p, err := retProg(ebpf.Kprobe, ebpf.AttachNone, 0)
	if err != nil {
		return "", err
	}
	defer func() { err = errors.Join(err, p.Close()) }()
	ex, err := link.OpenExecutable(exe)
	if err != nil {
		return "", err
	}
	l, err := ex.Uprobe("runtime.mallocgc", p, &link.UprobeOptions{Address: bin.MallocgcOffset, PID: os.Getpid()})
	if err != nil {
		return "", err
	}
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("attached, but detaching failed: %w", err)
	}
	return "attached and detached (entry only; " + bin.GoVersion + ")", nil
}

func attachTCX() (_ string, err error) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return "", err
	}
	p, err := retProg(ebpf.SchedCLS, ebpf.AttachTCXIngress, -1) // TCX_NEXT
	if err != nil {
		return "", err
	}
	defer func() { err = errors.Join(err, p.Close()) }()
	l, err := link.AttachTCX(link.TCXOptions{Interface: lo.Index, Program: p, Attach: ebpf.AttachTCXIngress})
	if err != nil {
		return "", err
	}
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("attached, but detaching failed: %w", err)
	}
	return "attached and detached (pass-through)", nil
}

// cgroup2Root finds where the cgroup v2 hierarchy is mounted.
func cgroup2Root() (string, error) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read-only: a close error cannot lose data
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 3 && fs[2] == "cgroup2" {
			return fs[1], nil
		}
	}
	return "", errors.New("no cgroup2 filesystem mounted")
}

func attachCgroupSKB() (_ string, err error) {
	root, err := cgroup2Root()
	if err != nil {
		return "", err
	}
	p, err := retProg(ebpf.CGroupSKB, ebpf.AttachCGroupInetEgress, 1)
	if err != nil {
		return "", err
	}
	defer func() { err = errors.Join(err, p.Close()) }()
	l, err := link.AttachCgroup(link.CgroupOptions{Path: root, Program: p, Attach: ebpf.AttachCGroupInetEgress})
	if err != nil {
		return "", err
	}
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("attached, but detaching failed: %w", err)
	}
	return "attached and detached at " + root + " (pass-through)", nil
}

func attachKprobe() (_ string, err error) {
	p, err := retProg(ebpf.Kprobe, ebpf.AttachNone, 0)
	if err != nil {
		return "", err
	}
	defer func() { err = errors.Join(err, p.Close()) }()
	l, err := link.Kprobe("do_sys_openat2", p, nil)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && strings.Contains(err.Error(), "kprobe_events") {
			return "", errors.New("tracefs has no kprobe_events: the kernel was built without CONFIG_KPROBE_EVENTS")
		}
		return "", fmt.Errorf("kprobes unavailable: %w", err)
	}
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("attached, but detaching failed: %w", err)
	}
	return "attached and detached", nil
}

func attachFentry() (_ string, err error) {
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.Tracing,
		AttachType:   ebpf.AttachTraceFEntry,
		AttachTo:     "do_sys_openat2",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
		License:      "GPL",
	})
	if err != nil {
		if errors.Is(err, unix.EPERM) {
			// cilium/ebpf suggests MEMLOCK on EPERM; Doctor already removed it.
			return "", fmt.Errorf("the kernel refuses to load fentry programs (%w): no BPF trampolines here (CONFIG_FUNCTION_TRACER / DYNAMIC_FTRACE_WITH_DIRECT_CALLS) or a lockdown", unix.EPERM)
		}
		return "", fmt.Errorf("fentry programs unavailable: %w", err)
	}
	defer func() { err = errors.Join(err, p.Close()) }()
	l, err := link.AttachTracing(link.TracingOptions{Program: p, AttachType: ebpf.AttachTraceFEntry})
	if err != nil {
		return "", fmt.Errorf("fentry attach unavailable: %w", err)
	}
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("attached, but detaching failed: %w", err)
	}
	return "attached and detached", nil
}
