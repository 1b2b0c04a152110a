package ebpfprobe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gocap/gocap/ebpfprobe/internal/netns"
)

// DemoAttempt is one connection the policy demo tries.
type DemoAttempt struct {
	Target   string        `json:"target"`
	Want     bool          `json:"want_allowed"`
	Allowed  bool          `json:"allowed"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// DemoResult is what the policy demo did and saw.
type DemoResult struct {
	Namespaces []string      `json:"namespaces"`
	Interface  string        `json:"interface"`
	Rules      []string      `json:"rules"`
	Attempts   []DemoAttempt `json:"attempts"`
	Hits       PolicyHits    `json:"hits"`
}

// OK reports whether every attempt ended as the rules say.
func (d *DemoResult) OK() bool {
	for _, a := range d.Attempts {
		if a.Allowed != a.Want {
			return false
		}
	}
	return len(d.Attempts) > 0
}

// Demo addresses: private to the demo's namespaces, so they never clash
// with the host's.
const (
	demoV4Client  = "10.213.0.1"
	demoV4Server  = "10.213.0.2"
	demoV6Client  = "fd00:213::1"
	demoV6Server  = "fd00:213::2"
	demoMACClient = "02:67:63:00:00:01"
	demoMACServer = "02:67:63:00:00:02"
)

// DemoRules are the rules the demo enforces on the client's egress.
func DemoRules() []Rule {
	must := func(a Action, s string) Rule {
		r, err := ParseRule(a, s)
		if err != nil {
			panic(err)
		}
		return r
	}
	return []Rule{
		must(Deny, demoV4Server+"/32:8081"),
		must(Deny, "fd00:213::/64"),
		must(Allow, "["+demoV6Server+"/128]:8080"),
	}
}

// PolicyDemo creates two network namespaces joined by a veth pair, runs a
// server on ports 8080 and 8081 in one, enforces DemoRules with TCX on the
// other's egress, tries one allowed and one denied connection per address
// family and reads the counters. Everything it created is removed when it
// returns, also when ctx is cancelled.
func PolicyDemo(ctx context.Context, progress func(string)) (_ *DemoResult, err error) {
	if progress == nil {
		progress = func(string) {}
	}
	if err := require(need{net: true}); err != nil {
		return nil, err
	}
	if err := netns.Available(); err != nil {
		return nil, err
	}
	var sfx [3]byte
	rand.Read(sfx[:])
	id := hex.EncodeToString(sfx[:])
	nsA, nsB := "gocap-a-"+id, "gocap-b-"+id
	vA, vB := "gca"+id, "gcb"+id
	res := &DemoResult{Namespaces: []string{nsA, nsB}, Interface: vA}

	// Cleanup must run even when ctx is already cancelled, and also when an
	// `ip netns add` below was killed half-way: it deletes every namespace
	// that exists and reports a failure, since a namespace left behind keeps
	// its veth and addresses.
	cleanup := func() error {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var errs []error
		for _, ns := range []string{nsA, nsB} {
			if _, err := os.Stat("/run/netns/" + ns); errors.Is(err, fs.ErrNotExist) {
				continue
			}
			errs = append(errs, netns.IP(c, "netns", "del", ns))
		}
		return errors.Join(errs...)
	}
	progress("creating namespaces " + nsA + ", " + nsB)
	defer func() { err = errors.Join(err, cleanup()) }()
	if err := netns.IP(ctx, "netns", "add", nsA); err != nil {
		return nil, err
	}
	if err := netns.IP(ctx, "netns", "add", nsB); err != nil {
		return nil, err
	}
	steps := [][]string{
		{"link", "add", vA, "address", demoMACClient, "netns", nsA, "type", "veth", "peer", "name", vB, "address", demoMACServer, "netns", nsB},
		// Static neighbours: no ARP / neighbour discovery delay (IPv6 ND
		// waits for DAD on the link-local address, about a second).
		{"-n", nsA, "neigh", "add", demoV4Server, "lladdr", demoMACServer, "dev", vA, "nud", "permanent"},
		{"-n", nsA, "neigh", "add", demoV6Server, "lladdr", demoMACServer, "dev", vA, "nud", "permanent"},
		{"-n", nsB, "neigh", "add", demoV4Client, "lladdr", demoMACClient, "dev", vB, "nud", "permanent"},
		{"-n", nsB, "neigh", "add", demoV6Client, "lladdr", demoMACClient, "dev", vB, "nud", "permanent"},
		{"-n", nsA, "addr", "add", demoV4Client + "/24", "dev", vA},
		{"-n", nsA, "addr", "add", demoV6Client + "/64", "dev", vA, "nodad"},
		{"-n", nsB, "addr", "add", demoV4Server + "/24", "dev", vB},
		{"-n", nsB, "addr", "add", demoV6Server + "/64", "dev", vB, "nodad"},
		{"-n", nsA, "link", "set", "lo", "up"},
		{"-n", nsB, "link", "set", "lo", "up"},
		{"-n", nsA, "link", "set", vA, "up"},
		{"-n", nsB, "link", "set", vB, "up"},
	}
	for _, s := range steps {
		if err := netns.IP(ctx, s...); err != nil {
			return nil, err
		}
	}

	// The server: listeners created inside nsB.
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			_ = l.Close() // teardown: the namespace holding them is deleted next
		}
	}()
	err = netns.Do(nsB, func() error {
		for _, port := range []string{"8080", "8081"} {
			l, err := net.Listen("tcp", "[::]:"+port) // dual stack
			if err != nil {
				return err
			}
			lns = append(lns, l)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("starting the demo server: %w", err)
	}
	for _, l := range lns {
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				// A failed greeting surfaces as the client's read error.
				_, _ = c.Write([]byte("hi\n"))
				_ = c.Close()
			}
		}()
	}

	rules := DemoRules()
	for _, r := range rules {
		res.Rules = append(res.Rules, r.String())
	}
	pol, err := NewPolicy(rules, false)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, pol.Close()) }() // detach and unload, or say why not
	progress("attaching the policy to tcx egress of " + vA)
	err = netns.Do(nsA, func() error {
		ifc, err := net.InterfaceByName(vA)
		if err != nil {
			return err
		}
		return pol.AttachTCX(ifc.Index, Egress)
	})
	if err != nil {
		return nil, err
	}

	targets := []struct {
		addr string
		want bool
	}{
		{net.JoinHostPort(demoV4Server, "8080"), true},
		{net.JoinHostPort(demoV4Server, "8081"), false},
		{net.JoinHostPort(demoV6Server, "8080"), true},
		{net.JoinHostPort(demoV6Server, "8081"), false},
	}
	res.Attempts = make([]DemoAttempt, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := DemoAttempt{Target: t.addr, Want: t.want}
			start := time.Now()
			err := netns.Do(nsA, func() error {
				d := net.Dialer{Timeout: 800 * time.Millisecond}
				c, err := d.DialContext(ctx, "tcp", t.addr)
				if err != nil {
					return err
				}
				defer func() { _ = c.Close() }() // the verdict is the read below
				buf := make([]byte, 3)
				if err := c.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
					return err
				}
				_, err = c.Read(buf)
				return err
			})
			a.Duration = time.Since(start)
			a.Allowed = err == nil
			if err != nil {
				a.Error = err.Error()
			}
			res.Attempts[i] = a
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h, err := pol.Hits()
	if err != nil {
		return nil, err
	}
	res.Hits = h
	return res, nil
}
