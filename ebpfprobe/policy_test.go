package ebpfprobe

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/gocap/gocap/internal/testclose"
)

// packet builds an Ethernet frame carrying IPv4/IPv6 with proto (6 TCP, 17
// UDP, 1 ICMP) from src to dst:dport.
func packet(src, dst netip.Addr, proto byte, sport, dport uint16) []byte {
	eth := make([]byte, 14)
	l4 := make([]byte, 20)
	binary.BigEndian.PutUint16(l4[0:], sport)
	binary.BigEndian.PutUint16(l4[2:], dport)
	if proto == 6 {
		l4[12] = 5 << 4
		l4[13] = 0x02 // SYN
	}
	var ip []byte
	if dst.Is4() {
		binary.BigEndian.PutUint16(eth[12:], 0x0800)
		ip = make([]byte, 20)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(l4)))
		ip[8] = 64
		ip[9] = proto
		copy(ip[12:], src.AsSlice())
		copy(ip[16:], dst.AsSlice())
	} else {
		binary.BigEndian.PutUint16(eth[12:], 0x86DD)
		ip = make([]byte, 40)
		ip[0] = 0x60
		binary.BigEndian.PutUint16(ip[4:], uint16(len(l4)))
		ip[6] = proto
		ip[7] = 64
		copy(ip[8:], src.AsSlice())
		copy(ip[24:], dst.AsSlice())
	}
	return append(append(eth, ip...), l4...)
}

func rules(t *testing.T, specs ...string) []Rule {
	t.Helper()
	var out []Rule
	for _, s := range specs {
		a, v, _ := strings.Cut(s, " ")
		act := Allow
		if a == "deny" {
			act = Deny
		}
		r, err := ParseRule(act, v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

const (
	tcxNext = 0xffffffff // TCX_NEXT (-1)
	tcxDrop = 2
)

// TestPolicyVerdicts runs the programs on crafted packets (BPF_PROG_TEST_RUN).
func TestPolicyVerdicts(t *testing.T) {
	noLeak(t, func() {
		rs := rules(t,
			"deny 10.0.0.0/8:443",    // 1
			"allow 10.1.0.0/16",      // 2
			"deny 10.1.2.3",          // 3
			"deny [fd00::/64]:80",    // 4
			"allow [fd00::1/128]:80", // 5
		)
		p, err := NewPolicy(rs, false)
		if err != nil {
			t.Fatal(err)
		}
		defer testclose.OK(t, "policy", p)
		me4, me6 := netip.MustParseAddr("192.168.1.1"), netip.MustParseAddr("fe80::9")
		cases := []struct {
			name   string
			prog   *ebpf.Program
			pkt    []byte
			allow  bool
			ruleID int // 0: unmatched, -1: not policed
		}{
			{"v4 egress denied port", p.objs.TcxEgress, packet(me4, netip.MustParseAddr("10.9.9.9"), 6, 40000, 443), false, 1},
			{"v4 egress other port", p.objs.TcxEgress, packet(me4, netip.MustParseAddr("10.9.9.9"), 6, 40000, 80), true, 0},
			{"v4 longer allow beats port deny", p.objs.TcxEgress, packet(me4, netip.MustParseAddr("10.1.5.5"), 6, 40000, 443), true, 2},
			{"v4 /32 deny any port udp", p.objs.TcxEgress, packet(me4, netip.MustParseAddr("10.1.2.3"), 17, 5353, 53), false, 3},
			{"v4 icmp not policed", p.objs.TcxEgress, packet(me4, netip.MustParseAddr("10.1.2.3"), 1, 0, 0), true, -1},
			{"v6 egress denied", p.objs.TcxEgress, packet(me6, netip.MustParseAddr("fd00::5"), 6, 40000, 80), false, 4},
			{"v6 port allow beats /64", p.objs.TcxEgress, packet(me6, netip.MustParseAddr("fd00::1"), 6, 40000, 80), true, 5},
			{"v6 other port", p.objs.TcxEgress, packet(me6, netip.MustParseAddr("fd00::5"), 6, 40000, 81), true, 0},
			{"v4 ingress peer is source", p.objs.TcxIngress, packet(netip.MustParseAddr("10.9.9.9"), me4, 6, 40000, 443), false, 1},
			{"v4 ingress dest not matched", p.objs.TcxIngress, packet(me4, netip.MustParseAddr("10.9.9.9"), 6, 40000, 443), true, 0},
			{"cgroup v4 egress denied", p.objs.CgroupEgress, packet(me4, netip.MustParseAddr("10.1.2.3"), 6, 40000, 22), false, 3},
			{"cgroup v6 egress allowed", p.objs.CgroupEgress, packet(me6, netip.MustParseAddr("fd00::1"), 6, 40000, 80), true, 5},
		}
		want := map[int]uint64{}
		for _, c := range cases {
			ret, err := c.prog.Run(&ebpf.RunOptions{Data: c.pkt})
			if err != nil {
				t.Fatalf("%s: run: %v", c.name, err)
			}
			var allowed bool
			if strings.HasPrefix(c.name, "cgroup") {
				allowed = ret == 1
			} else {
				allowed = ret == tcxNext
				if !allowed && ret != tcxDrop {
					t.Errorf("%s: tc verdict %d, want TCX_NEXT or TCX_DROP", c.name, int32(ret))
				}
			}
			if allowed != c.allow {
				t.Errorf("%s: allowed=%v, want %v (ret %d)", c.name, allowed, c.allow, int32(ret))
			}
			if c.ruleID >= 0 {
				want[c.ruleID]++
			}
		}
		h, err := p.Hits()
		if err != nil {
			t.Fatal(err)
		}
		if h.Unmatched != want[0] {
			t.Errorf("unmatched %d, want %d", h.Unmatched, want[0])
		}
		for i, rh := range h.Rules {
			if rh.Hits != want[i+1] {
				t.Errorf("rule %d %q: %d hits, want %d", i+1, rh.Text, rh.Hits, want[i+1])
			}
		}
	})
}

func TestPolicyDefaultDeny(t *testing.T) {
	p, err := NewPolicy(rules(t, "allow 10.0.0.0/8"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer testclose.OK(t, "policy", p)
	me := netip.MustParseAddr("192.168.1.1")
	for dst, allow := range map[string]bool{"10.2.3.4": true, "8.8.8.8": false} {
		ret, err := p.objs.TcxEgress.Run(&ebpf.RunOptions{Data: packet(me, netip.MustParseAddr(dst), 6, 1234, 443)})
		if err != nil {
			t.Fatal(err)
		}
		if (ret == tcxNext) != allow {
			t.Errorf("%s: ret %d, want allowed=%v", dst, int32(ret), allow)
		}
	}
}

func TestParseRule(t *testing.T) {
	good := map[string]string{
		"10.0.0.0/8":        "deny 10.0.0.0/8",
		"10.1.2.3:443":      "deny 10.1.2.3/32:443",
		"10.1.2.200/24:80":  "deny 10.1.2.0/24:80",
		"fd00::/64":         "deny fd00::/64",
		"[fd00::1/128]:443": "deny [fd00::1/128]:443",
		"[fd00::1]:443":     "deny [fd00::1/128]:443",
		"::1":               "deny ::1/128",
	}
	for in, want := range good {
		r, err := ParseRule(Deny, in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if r.String() != want {
			t.Errorf("%s: %s, want %s", in, r, want)
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "10.0.0.1:0", "10.0.0.1:70000", "[fd00::", "fd00::1:80x", "host:80", "[fd00::1]80", "fd00::/64:80"} {
		if _, err := ParseRule(Deny, bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := NewPolicy(rules(t, "deny 10.0.0.0/8", "allow 10.0.0.0/8"), false); err == nil || !strings.Contains(err.Error(), "repeats") {
		t.Errorf("duplicate rules: %v", err)
	}
}

// TestPolicyDemo runs the netns demo: allowed connects succeed, denied ones
// fail, the counters show it, and the namespaces are gone afterwards.
func TestPolicyDemo(t *testing.T) {
	noLeak(t, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := PolicyDemo(ctx, nil)
		if err != nil {
			t.Fatalf("PolicyDemo: %v", err)
		}
		for _, a := range res.Attempts {
			if a.Allowed != a.Want {
				t.Errorf("%s: allowed=%v want %v (%s)", a.Target, a.Allowed, a.Want, a.Error)
			}
		}
		if !res.OK() {
			t.Error("OK() false")
		}
		// rules: 1 deny v4:8081, 2 deny fd00:213::/64, 3 allow [server]:8080
		for i, rh := range res.Hits.Rules {
			if rh.Hits == 0 {
				t.Errorf("rule %d %q: no hits", i+1, rh.Text)
			}
		}
		if res.Hits.Unmatched == 0 {
			t.Error("no unmatched packets counted (the allowed IPv4 connection)")
		}
		for _, ns := range res.Namespaces {
			if _, err := netnsExists(ns); err == nil {
				t.Errorf("namespace %s still exists", ns)
			}
		}
	})
}

// TestPolicyDemoCancel: cancelled mid-way, the demo still removes its
// namespaces and unloads its programs.
func TestPolicyDemoCancel(t *testing.T) {
	before, _ := filepath.Glob("/run/netns/gocap-*")
	noLeak(t, func() {
		// Cancel at a step boundary (the Nth progress line), not after a
		// wall-clock delay, so the test does not depend on machine load.
		for _, n := range []int{1, 2} {
			ctx, cancel := context.WithCancel(context.Background())
			steps := 0
			_, err := PolicyDemo(ctx, func(string) {
				steps++
				if steps == n {
					cancel()
				}
			})
			cancel()
			if err == nil {
				t.Errorf("cancel at step %d: demo finished anyway", n)
			}
		}
	})
	after, _ := filepath.Glob("/run/netns/gocap-*")
	if len(after) != len(before) {
		t.Errorf("namespaces left behind: before %v, after %v", before, after)
	}
}

// TestPolicyCgroup enforces a rule with cgroup_skb on a fresh cgroup and
// starts a process inside it: its denied connect fails (SYN dropped), its
// allowed one succeeds; the test's own connects (outside the cgroup) are
// untouched.
func TestPolicyCgroup(t *testing.T) {
	root, err := cgroup2Root()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(root, "gocap-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := os.Remove(dir); err != nil {
			t.Errorf("removing the test cgroup: %v", err)
		}
	}()
	var lns []net.Listener
	for i := 0; i < 2; i++ {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer testclose.OK(t, "listener", ln)
		go acceptLoop(ln)
		lns = append(lns, ln)
	}
	allowed, denied := lns[0].Addr().String(), lns[1].Addr().String()
	noLeak(t, func() {
		r, err := ParseRule(Deny, denied)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewPolicy([]Rule{r}, false)
		if err != nil {
			t.Fatal(err)
		}
		defer testclose.OK(t, "policy", p)
		if err := p.AttachCgroup(dir, Egress); err != nil {
			t.Fatal(err)
		}
		cg, err := os.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cg.Close() }() // a cgroup directory handle, only read
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "GOCAP_EBPF_HELPER=connect", "GOCAP_EBPF_TARGETS="+allowed+" "+denied)
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helper: %v: %s", err, out)
		}
		s := string(out)
		if !strings.Contains(s, allowed+" ok") {
			t.Errorf("allowed connect failed: %s", s)
		}
		if !strings.Contains(s, denied+" error:") {
			t.Errorf("denied connect succeeded: %s", s)
		}
		if c, err := net.Dial("tcp4", denied); err != nil {
			t.Errorf("outside the cgroup the connect must work: %v", err)
		} else if err := c.Close(); err != nil {
			t.Error(err)
		}
		h, err := p.Hits()
		if err != nil {
			t.Fatal(err)
		}
		if h.Rules[0].Hits == 0 || h.Unmatched == 0 {
			t.Errorf("hits %+v", h)
		}
	})
}
