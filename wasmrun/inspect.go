package wasmrun

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/gocap/gocap/wasmrun/internal/wasmbin"
)

// Types Inspect reports.
type (
	Import        = wasmbin.Import
	Export        = wasmbin.Export
	Memory        = wasmbin.Memory
	CustomSection = wasmbin.CustomSection
)

// Module kinds.
const (
	KindCommand = "command" // exports _start: run it with Run
	KindReactor = "reactor" // exports _initialize or no _start: load it with Load
)

// HostModule is the name of gocap's host module. It exports
// log(ptr i32, len i32): the bytes go to Config.WithLog's writer.
const HostModule = "gocap"

// Info is what Inspect finds in a module.
type Info struct {
	SHA256         string          `json:"sha256"`
	Size           int             `json:"size"`
	Kind           string          `json:"kind"`
	Imports        []Import        `json:"imports"`
	Exports        []Export        `json:"exports"`
	Memories       []Memory        `json:"memories"`
	CustomSections []CustomSection `json:"custom_sections"`
	// Allowed is true when every import is on the allow-list.
	Allowed bool `json:"allowed"`
	// Disallowed lists "module.name (kind)" of imports off the allow-list.
	Disallowed []string `json:"disallowed,omitempty"`
}

// wasiAllowed is WASI preview1 minus sockets and proc_raise: the guest gets
// no network and cannot signal the host.
var wasiAllowed = []string{
	"args_get", "args_sizes_get", "environ_get", "environ_sizes_get",
	"clock_res_get", "clock_time_get",
	"fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get",
	"fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get",
	"fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
	"fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read",
	"fd_readdir", "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write",
	"path_create_directory", "path_filestat_get", "path_filestat_set_times",
	"path_link", "path_open", "path_readlink", "path_remove_directory",
	"path_rename", "path_symlink", "path_unlink_file",
	"poll_oneoff", "proc_exit", "random_get", "sched_yield",
}

// AllowedImports returns the import allow-list as "module.name" strings.
func AllowedImports() []string {
	out := make([]string, 0, len(wasiAllowed)+1)
	for _, n := range wasiAllowed {
		out = append(out, "wasi_snapshot_preview1."+n)
	}
	return append(out, HostModule+".log")
}

func allowed(im Import) bool {
	if im.Kind != "func" {
		return false
	}
	switch im.Module {
	case "wasi_snapshot_preview1":
		return slices.Contains(wasiAllowed, im.Name)
	case HostModule:
		return im.Name == "log"
	}
	return false
}

// Inspect reads a module's imports, exports, memories and custom sections
// without compiling it, and judges its imports against the allow-list.
// Malformed input gives an error wrapping ErrMalformed; it never panics.
func Inspect(bin []byte) (*Info, error) {
	info, err := inspect(bin)
	if err != nil {
		return nil, err
	}
	info.SHA256 = sha256Hex(bin)
	return info, nil
}

func sha256Hex(bin []byte) string {
	sum := sha256.Sum256(bin)
	return hex.EncodeToString(sum[:])
}

// inspect is Inspect without the sha256 (admit computes it only when needed).
func inspect(bin []byte) (*Info, error) {
	m, err := wasmbin.Parse(bin)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	info := &Info{
		Size:    len(bin),
		Imports: m.Imports, Exports: m.Exports, Memories: m.Memories, CustomSections: m.CustomSections,
		Kind: KindReactor, Allowed: true,
	}
	for _, e := range m.Exports {
		if e.Name == "_start" && e.Kind == "func" {
			info.Kind = KindCommand
		}
	}
	for _, e := range m.Exports {
		if e.Name == "_initialize" && e.Kind == "func" {
			info.Kind = KindReactor
		}
	}
	for _, im := range m.Imports {
		if !allowed(im) {
			info.Allowed = false
			info.Disallowed = append(info.Disallowed, im.Module+"."+im.Name+" ("+im.Kind+")")
		}
	}
	return info, nil
}

// Export returns the export named name, if any.
func (i *Info) Export(name string) (Export, bool) {
	for _, e := range i.Exports {
		if e.Name == name {
			return e, true
		}
	}
	return Export{}, false
}

// admit refuses a module before compilation: pinned hash, allow-list,
// memory cap. It returns the module's Info.
func admit(bin []byte, cfg Config, wantHash bool) (*Info, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	info, err := inspect(bin)
	if err != nil {
		return nil, err
	}
	if cfg.sha256 != "" || wantHash {
		info.SHA256 = sha256Hex(bin)
	}
	if cfg.sha256 != "" && cfg.sha256 != info.SHA256 {
		return nil, &RefusedError{Reason: fmt.Sprintf("sha256 %s does not match the pinned %s", info.SHA256, cfg.sha256)}
	}
	if !info.Allowed {
		return nil, &RefusedError{Reason: "imports outside the allow-list (WASI preview1 without sockets, " + HostModule + ".log)", Disallowed: info.Disallowed}
	}
	for i, m := range info.Memories {
		if m.Memory64 {
			return nil, &RefusedError{Reason: fmt.Sprintf("memory %d is 64-bit: not supported", i)}
		}
		if m.Min > uint64(cfg.memPages) {
			return nil, fmt.Errorf("%w: memory %d needs %d pages (%s) at start, over the cap of %d pages (%s): raise --memory-limit or fix the module",
				ErrMemoryLimit, i, m.Min, human(m.Min*PageSize), cfg.memPages, human(uint64(cfg.memPages)*PageSize))
		}
	}
	return info, nil
}

func human(b uint64) string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", b>>30)
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", b>>10)
}

// String is a one-line verdict on the module.
func (i *Info) String() string {
	v := "allowed"
	if !i.Allowed {
		v = "refused: " + strings.Join(i.Disallowed, ", ")
	}
	return fmt.Sprintf("%s, %d bytes, sha256 %.12s, %s", i.Kind, i.Size, i.SHA256, v)
}
