package ebpfprobe_test

import (
	"fmt"

	"github.com/gocap/gocap/ebpfprobe"
)

// ParseRule reads the CIDR[:PORT] form that `gocap ebpf policy` takes.
func ExampleParseRule() {
	for _, s := range []string{"10.1.2.3:443", "10.0.0.0/8", "[fd00::/64]:80"} {
		r, err := ebpfprobe.ParseRule(ebpfprobe.Deny, s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(r)
	}
	_, err := ebpfprobe.ParseRule(ebpfprobe.Deny, "fd00::/64:80")
	fmt.Println(err)
	// Output:
	// deny 10.1.2.3/32:443
	// deny 10.0.0.0/8
	// deny [fd00::/64]:80
	// "fd00::/64:80": an IPv6 CIDR with a port needs brackets: [fd00::/64]:443
}
