package ebpfprobe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/gocap/gocap/ebpfprobe/internal/bpf"
)

// Action is what a policy rule does with a matching packet.
type Action int

const (
	Allow Action = iota // let it through
	Deny                // drop it
)

func (a Action) String() string {
	if a == Deny {
		return "deny"
	}
	return "allow"
}

// Rule matches a peer CIDR and, when Port is not 0, a destination port.
// The longest prefix wins; on equal length a port rule beats an any-port one.
type Rule struct {
	Action Action       `json:"-"`
	Prefix netip.Prefix `json:"prefix"`
	Port   uint16       `json:"port,omitempty"`
}

// String renders a rule the way ParseRule reads it.
func (r Rule) String() string {
	s := r.Prefix.String()
	if r.Port != 0 {
		if r.Prefix.Addr().Is6() {
			s = "[" + s + "]"
		}
		s += ":" + strconv.Itoa(int(r.Port))
	}
	return r.Action.String() + " " + s
}

// ParseRule reads CIDR[:PORT]: "10.0.0.0/8", "10.1.2.3:443" (a bare address
// is a /32 or /128), "fd00::/64", "[fd00::/64]:443".
func ParseRule(a Action, s string) (Rule, error) {
	r := Rule{Action: a}
	cidr, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return r, fmt.Errorf("%q: missing ']' (write IPv6 with a port as [fd00::/64]:443)", s)
		}
		cidr = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			p, ok := strings.CutPrefix(rest, ":")
			if !ok {
				return r, fmt.Errorf("%q: expected :PORT after ']'", s)
			}
			port = p
		}
	} else if strings.Count(s, ":") == 1 {
		cidr, port, _ = strings.Cut(s, ":")
	}
	if port != "" {
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil || p == 0 {
			return r, fmt.Errorf("%q: port %q is not 1-65535", s, port)
		}
		r.Port = uint16(p)
	}
	if strings.Contains(cidr, "/") {
		pfx, err := netip.ParsePrefix(cidr)
		if err != nil && strings.Count(cidr, ":") > 1 && strings.Count(cidr[strings.Index(cidr, "/"):], ":") == 1 {
			return r, fmt.Errorf("%q: an IPv6 CIDR with a port needs brackets: [fd00::/64]:443", s)
		}
		if err != nil {
			return r, fmt.Errorf("%q: not a CIDR (e.g. 10.0.0.0/8 or fd00::/64)", s)
		}
		r.Prefix = pfx.Masked()
	} else {
		addr, err := netip.ParseAddr(cidr)
		if err != nil {
			return r, fmt.Errorf("%q: not an address or CIDR (e.g. 10.0.0.0/8 or fd00::/64)", s)
		}
		r.Prefix = netip.PrefixFrom(addr, addr.BitLen())
	}
	if r.Prefix.Addr().Is4In6() {
		r.Prefix = netip.PrefixFrom(r.Prefix.Addr().Unmap(), r.Prefix.Bits()-96)
	}
	return r, nil
}

// Direction says which traffic a policy sees.
type Direction int

const (
	Egress  Direction = 1 << iota // outgoing: the peer is the destination
	Ingress                       // incoming: the peer is the source
	Both    = Egress | Ingress
)

// maxRules is the size of the rule maps (hits[0] counts unmatched packets).
const maxRules = 255

// Policy is a loaded policy enforcement point. Close detaches and unloads it.
type Policy struct {
	objs  bpf.PolicyObjects
	rules []Rule
	links []link.Link
}

// RuleHits is one rule and how many packets it matched.
type RuleHits struct {
	Rule Rule   `json:"rule"`
	Text string `json:"text"`
	Hits uint64 `json:"hits"`
}

// PolicyHits are the counters of a policy.
type PolicyHits struct {
	Rules     []RuleHits `json:"rules"`
	Unmatched uint64     `json:"unmatched"` // TCP/UDP packets no rule matched
}

// NewPolicy loads the policy programs with rules in their LPM tries.
// defaultDeny drops TCP/UDP packets that match no rule.
func NewPolicy(rules []Rule, defaultDeny bool) (*Policy, error) {
	if len(rules) > maxRules {
		return nil, fmt.Errorf("%d rules: at most %d", len(rules), maxRules)
	}
	seen := map[string]int{}
	for i, r := range rules {
		k := r.Prefix.String() + "/" + strconv.Itoa(int(r.Port))
		if j, ok := seen[k]; ok {
			return nil, fmt.Errorf("rule %q repeats the match of rule %q", r, rules[j])
		}
		seen[k] = i
	}
	if err := require(need{net: true}); err != nil {
		return nil, err
	}
	spec, err := bpf.LoadPolicy()
	if err != nil {
		return nil, fmt.Errorf("loading the policy program spec: %w", err)
	}
	var dd uint32
	if defaultDeny {
		dd = 1
	}
	if err := spec.Variables["default_deny"].Set(dd); err != nil {
		return nil, err
	}
	p := &Policy{rules: rules}
	if err := spec.LoadAndAssign(&p.objs, nil); err != nil {
		return nil, fmt.Errorf("loading the policy programs: %w", err)
	}
	for i, r := range rules {
		key, m := ruleKey(r), p.objs.RulesV4
		if r.Prefix.Addr().Is6() {
			m = p.objs.RulesV6
		}
		val := bpf.PolicyRule{Id: uint32(i + 1), Action: uint32(r.Action), Plen: uint32(r.Prefix.Bits())}
		if err := m.Put(key, val); err != nil {
			return nil, errors.Join(fmt.Errorf("adding rule %q: %w", r, err), p.Close())
		}
	}
	return p, nil
}

// ruleKey encodes an LPM key: u32 prefixlen (host order, counted over the
// port and address bits), the port then the address in network order.
func ruleKey(r Rule) []byte {
	a := r.Prefix.Addr().AsSlice()
	key := make([]byte, 4+2+len(a))
	binary.NativeEndian.PutUint32(key, uint32(16+r.Prefix.Bits()))
	binary.BigEndian.PutUint16(key[4:], r.Port)
	copy(key[6:], a)
	return key
}

// AttachTCX enforces the policy on an interface of the calling thread's
// network namespace.
func (p *Policy) AttachTCX(ifindex int, dir Direction) error {
	if dir&Egress != 0 {
		l, err := link.AttachTCX(link.TCXOptions{Interface: ifindex, Program: p.objs.TcxEgress, Attach: ebpf.AttachTCXEgress})
		if err != nil {
			return &UnsupportedError{Hook: "tcx egress", Reason: err.Error()}
		}
		p.links = append(p.links, l)
	}
	if dir&Ingress != 0 {
		l, err := link.AttachTCX(link.TCXOptions{Interface: ifindex, Program: p.objs.TcxIngress, Attach: ebpf.AttachTCXIngress})
		if err != nil {
			return &UnsupportedError{Hook: "tcx ingress", Reason: err.Error()}
		}
		p.links = append(p.links, l)
	}
	return nil
}

// AttachCgroup enforces the policy on a cgroup v2 directory.
func (p *Policy) AttachCgroup(path string, dir Direction) error {
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		return fmt.Errorf("cgroup %s: not a directory (give a cgroup v2 path such as /sys/fs/cgroup/unified/my.slice)", path)
	}
	if dir&Egress != 0 {
		l, err := link.AttachCgroup(link.CgroupOptions{Path: path, Program: p.objs.CgroupEgress, Attach: ebpf.AttachCGroupInetEgress})
		if err != nil {
			return &UnsupportedError{Hook: "cgroup_skb egress", Reason: err.Error()}
		}
		p.links = append(p.links, l)
	}
	if dir&Ingress != 0 {
		l, err := link.AttachCgroup(link.CgroupOptions{Path: path, Program: p.objs.CgroupIngress, Attach: ebpf.AttachCGroupInetIngress})
		if err != nil {
			return &UnsupportedError{Hook: "cgroup_skb ingress", Reason: err.Error()}
		}
		p.links = append(p.links, l)
	}
	return nil
}

// Hits reads the per-rule counters.
func (p *Policy) Hits() (PolicyHits, error) {
	var h PolicyHits
	if err := p.objs.Hits.Lookup(uint32(0), &h.Unmatched); err != nil {
		return h, fmt.Errorf("reading counters: %w", err)
	}
	for i, r := range p.rules {
		var n uint64
		if err := p.objs.Hits.Lookup(uint32(i+1), &n); err != nil {
			return h, fmt.Errorf("reading counters: %w", err)
		}
		h.Rules = append(h.Rules, RuleHits{Rule: r, Text: r.String(), Hits: n})
	}
	return h, nil
}

// Close detaches every link and unloads the programs and maps.
func (p *Policy) Close() error {
	var errs []error
	for i := len(p.links) - 1; i >= 0; i-- {
		errs = append(errs, p.links[i].Close())
	}
	p.links = nil
	errs = append(errs, p.objs.Close())
	return errors.Join(errs...)
}
