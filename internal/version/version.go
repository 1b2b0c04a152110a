// Package version says which gocap this is.
//
// The version comes from, in order:
//
//  1. the linker: `make build` stamps `git describe --tags --always --dirty`
//     with -ldflags "-X github.com/gocap/gocap/internal/version.stamped=…";
//  2. the build info of the binary: the main module's version when it was
//     installed with `go install github.com/gocap/gocap/cmd/gocap@vX`, or
//     the VCS revision when the build recorded one (this machine sets
//     GOFLAGS=-buildvcs=false, so a plain `go build` here records none);
//  3. "dev".
package version

import (
	"runtime/debug"
	"sync"
)

// stamped is set by the linker (see the Makefile's build target).
var stamped string

var (
	once sync.Once
	ver  string
)

// String returns gocap's version: a tag such as v1.2.0, a git description
// (v1.2.0-3-gabc1234-dirty), a pseudo-version, or "dev".
func String() string {
	once.Do(func() {
		info, _ := debug.ReadBuildInfo()
		ver = resolve(stamped, info)
	})
	return ver
}

// resolve picks the version from a linker stamp and the build info.
func resolve(stamp string, info *debug.BuildInfo) string {
	if stamp != "" {
		return stamp
	}
	if info == nil {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v // go install …@vX, or a pseudo-version
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v := "dev-" + rev
		if modified == "true" {
			v += "-dirty"
		}
		return v
	}
	return "dev"
}
