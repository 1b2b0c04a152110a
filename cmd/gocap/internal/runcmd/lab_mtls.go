package runcmd

import "github.com/gocap/gocap/mtls"

func init() { Registered = append(Registered, mtls.Lab) }
