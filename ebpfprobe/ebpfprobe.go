// Package ebpfprobe runs gocap's eBPF probes from Go: a TCP lifecycle tracer
// on the sock:inet_sock_set_state tracepoint, an entry-only uprobe on a Go
// program's runtime.mallocgc, a policy enforcement point (LPM tries on TCX
// or cgroup_skb), an object loader that reports what the verifier said, and a
// doctor that tests every hook gocap uses by attaching to it.
//
// Every function here loads, attaches and reads in one order and undoes it
// in reverse when it returns, on error and when its context ends: nothing
// stays in the kernel and nothing is pinned. The package never prints.
//
// The eBPF programs are C files in internal/bpf, compiled by clang through
// bpf2go; their generated objects are committed.
package ebpfprobe

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// Capability numbers from linux/capability.h.
const (
	capNetAdmin = 12
	capSysAdmin = 21
	capPerfmon  = 38
	capBPF      = 39
)

// PermissionError says which privilege a probe needs and lacks.
type PermissionError struct {
	Missing []string // capability names, e.g. "CAP_BPF"
}

func (e *PermissionError) Error() string {
	return "missing " + strings.Join(e.Missing, ", ") + " (run as root, or grant them: setcap cap_bpf,cap_perfmon,cap_net_admin+ep gocap)"
}

// UnsupportedError says that this kernel lacks a hook, with the reason.
type UnsupportedError struct {
	Hook   string
	Reason string
}

func (e *UnsupportedError) Error() string { return e.Hook + " unsupported on this kernel: " + e.Reason }

// effectiveCaps reads the effective capability mask of this process.
func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }() // read-only: a close error cannot lose data
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	return 0, errors.New("CapEff not found in /proc/self/status")
}

func hasCap(mask uint64, c int) bool { return mask&(1<<uint(c)) != 0 }

// need is the set of privileges one command needs.
type need struct{ perf, net bool }

// require returns a *PermissionError naming what is missing. CAP_SYS_ADMIN
// stands in for CAP_BPF and CAP_PERFMON, as the kernel allows.
func require(n need) error {
	mask, err := effectiveCaps()
	if err != nil {
		return fmt.Errorf("reading capabilities: %w", err)
	}
	admin := hasCap(mask, capSysAdmin)
	var miss []string
	if !admin && !hasCap(mask, capBPF) {
		miss = append(miss, "CAP_BPF")
	}
	if n.perf && !admin && !hasCap(mask, capPerfmon) {
		miss = append(miss, "CAP_PERFMON")
	}
	if n.net && !hasCap(mask, capNetAdmin) {
		miss = append(miss, "CAP_NET_ADMIN")
	}
	if len(miss) > 0 {
		return &PermissionError{Missing: miss}
	}
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK.
	if err := rlimit.RemoveMemlock(); err != nil {
		return fmt.Errorf("raising RLIMIT_MEMLOCK: %w", err)
	}
	return nil
}

// Tracefs mount points, in the order the kernel documents them.
var tracefsPaths = []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}

// ensureTracefs makes sure tracefs is mounted (tracepoints and uprobes need
// it): when it is missing and we may, it mounts it at /sys/kernel/tracing.
// mounted reports whether this call mounted it.
func ensureTracefs() (path string, mounted bool, err error) {
	for _, p := range tracefsPaths {
		if _, err := os.Stat(p + "/events"); err == nil {
			return p, false, nil
		}
	}
	// Mounted but unreadable (tracefs is 0700 root): a privilege, not a mount, is missing.
	if at := tracefsMountpoint(); at != "" {
		if _, err := os.Stat(at + "/events"); err != nil {
			return "", false, fmt.Errorf("tracefs is mounted at %s, but this process cannot read it: %w", at, err)
		}
		return at, false, nil
	}
	p := tracefsPaths[0]
	if err := unix.Mount("nodev", p, "tracefs", 0, ""); err != nil {
		return "", false, fmt.Errorf("tracefs is not mounted and mounting it at %s failed: %w (fix: mount -t tracefs nodev %s)", p, err, p)
	}
	return p, true, nil
}

// tracefsMountpoint is where /proc/self/mounts has tracefs, or "".
func tracefsMountpoint() string {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if fs := strings.Fields(l); len(fs) >= 3 && fs[2] == "tracefs" {
			return fs[1]
		}
	}
	return ""
}

// CountPrograms returns how many eBPF programs the kernel holds, by walking
// program IDs. Tests and the lab compare it before and after a probe to
// prove that nothing leaked.
func CountPrograms() (int, error) {
	n := 0
	id := ebpf.ProgramID(0)
	for {
		next, err := ebpf.ProgramGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
		id = next
	}
}

// monoNow returns CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns.
func monoNow() uint64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return uint64(ts.Nano())
}

// sumPerCPU adds the per-CPU values of key 0 of a PERCPU_ARRAY of u64.
func sumPerCPU(m *ebpf.Map) uint64 {
	var vals []uint64
	if err := m.Lookup(uint32(0), &vals); err != nil {
		return 0
	}
	var s uint64
	for _, v := range vals {
		s += v
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
