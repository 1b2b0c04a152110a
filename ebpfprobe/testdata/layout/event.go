// Package layout holds Go mirrors of tcp.c's struct event for the
// --check-struct tests: Event matches, BadEvent does not.
package layout

type Event struct {
	TsNs       uint64
	LifespanNs uint64
	LatencyNs  uint64
	RxBytes    uint64
	TxBytes    uint64
	Pid        uint32
	Sport      uint16
	Dport      uint16
	Family     uint16
	Refused    uint8
	Active     uint8
	Saddr      [16]uint8
	Daddr      [16]uint8
	Comm       [16]int8
}

// BadEvent has Pid as a uint64: every later field moves.
type BadEvent struct {
	TsNs       uint64
	LifespanNs uint64
	LatencyNs  uint64
	RxBytes    uint64
	TxBytes    uint64
	Pid        uint64
	Sport      uint16
	Dport      uint16
	Family     uint16
	Refused    uint8
	Active     uint8
	Saddr      [16]uint8
	Daddr      [16]uint8
	Comm       [16]int8
}
