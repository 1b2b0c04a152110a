package runcmd

import "github.com/gocap/gocap/ebpfprobe"

func init() { Registered = append(Registered, ebpfprobe.Lab) }
