package ebpfprobe

import (
	"context"
	"testing"
)

// TestDoctor: on this kernel every hook gocap uses attaches, and kprobe and
// fentry are reported unsupported (with a reason), never as a crash.
func TestDoctor(t *testing.T) {
	noLeak(t, func() {
		r := Doctor(context.Background())
		byName := map[string]DoctorItem{}
		for _, it := range r.Items {
			byName[it.Name] = it
			t.Logf("%-12s %-40s %-11s %s", it.Area, it.Name, it.Status, it.Detail)
		}
		for _, n := range []string{"tracepoint sock:inet_sock_set_state", "raw tracepoint sys_enter", "uprobe runtime.mallocgc (this binary)", "tcx ingress lo", "cgroup_skb egress (cgroup v2 root)", "BTF", "tracefs", "RingBuf", "LPMTrie"} {
			if it, ok := byName[n]; !ok || it.Status != StatusOK {
				t.Errorf("%s: %+v, want ok", n, it)
			}
		}
		for _, n := range []string{"kprobe do_sys_openat2", "fentry do_sys_openat2"} {
			it := byName[n]
			if it.Status == StatusFail || it.Needed {
				t.Errorf("%s: %+v: must not count as a failure", n, it)
			}
			if it.Status == StatusUnsupported && (it.Detail == "" || it.Fix == "") {
				t.Errorf("%s: unsupported without reason or fix: %+v", n, it)
			}
		}
		if !r.OK() {
			t.Error("OK() false on a kernel that has every needed hook")
		}
	})
}
