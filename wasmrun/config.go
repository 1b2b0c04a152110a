package wasmrun

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// PageSize is the size of a WebAssembly memory page.
const PageSize = 65536

// Defaults of NewConfig.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMemoryLimitPages = 4096 // 256 MiB
)

// Config says how modules are compiled and limited. The zero value is not
// useful: start from NewConfig. WithX methods return a modified copy.
type Config struct {
	timeout     time.Duration
	memPages    uint32
	cacheDir    string
	interpreter bool
	sha256      string
	log         io.Writer
}

// NewConfig returns the defaults: 30 s timeout, 256 MiB memory cap, the
// compiler engine, no compilation cache on disk, guest stderr discarded.
func NewConfig() Config {
	return Config{timeout: DefaultTimeout, memPages: DefaultMemoryLimitPages, log: io.Discard}
}

// WithTimeout bounds a whole run (Run) or each call (Plugin.Call,
// including _initialize). Zero means no timeout.
func (c Config) WithTimeout(d time.Duration) Config { c.timeout = d; return c }

// WithMemoryLimitPages caps every memory of a module, in 64 KiB pages
// (1..65536). memory.grow past it fails; a module declaring more is refused.
func (c Config) WithMemoryLimitPages(pages uint32) Config { c.memPages = pages; return c }

// WithCacheDir keeps compiled code in dir so later compiles are fast. Use a
// directory keyed by the host's version (DefaultCacheDir).
func (c Config) WithCacheDir(dir string) Config { c.cacheDir = dir; return c }

// WithInterpreter selects wazero's interpreter instead of its compiler.
func (c Config) WithInterpreter(on bool) Config { c.interpreter = on; return c }

// WithSHA256 pins the module: Run and Load refuse a module whose sha256
// (hex) differs, before compiling it.
func (c Config) WithSHA256(hexsum string) Config { c.sha256 = strings.ToLower(hexsum); return c }

// WithLog receives a plugin's stderr and its gocap.log host calls.
func (c Config) WithLog(w io.Writer) Config {
	if w == nil {
		w = io.Discard
	}
	c.log = w
	return c
}

// Timeout returns the configured timeout.
func (c Config) Timeout() time.Duration { return c.timeout }

// MemoryLimitPages returns the configured memory cap in pages.
func (c Config) MemoryLimitPages() uint32 { return c.memPages }

func (c Config) validate() error {
	if c.memPages == 0 || c.memPages > 65536 {
		return fmt.Errorf("memory limit %d pages: want 1..65536 pages (64 KiB each)", c.memPages)
	}
	if c.timeout < 0 {
		return fmt.Errorf("timeout %s: want a positive duration or 0 for none", c.timeout)
	}
	if c.sha256 != "" {
		if len(c.sha256) != 64 || strings.Trim(c.sha256, "0123456789abcdef") != "" {
			return fmt.Errorf("sha256 %q: want 64 hex digits", c.sha256)
		}
	}
	return nil
}

// ParseMemoryLimit reads a memory cap: a plain number is pages, a number
// with KiB, MiB or GiB (or K, M, G) is bytes rounded up to whole pages.
func ParseMemoryLimit(s string) (uint32, error) {
	t := strings.TrimSpace(s)
	mult := uint64(0)
	for _, u := range []struct {
		suf string
		m   uint64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"pages", 0}} {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suf)), u.m
			break
		}
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("memory limit %q: want pages (e.g. 4096) or a size (e.g. 256MiB)", s)
	}
	pages := n
	if mult != 0 {
		if n > (1<<32)/(mult>>10) { // more than 4 GiB
			return 0, fmt.Errorf("memory limit %q: at most 4GiB (65536 pages)", s)
		}
		pages = (n*mult + PageSize - 1) / PageSize
	}
	if pages > 65536 {
		return 0, fmt.Errorf("memory limit %q: at most 65536 pages (4GiB)", s)
	}
	return uint32(pages), nil
}

// DefaultCacheDir is the compilation cache directory for a host of the given
// version: <user cache dir>/gocap/wazero-<version>. wazero keys entries by
// its own version too, so upgrades never load stale code.
func DefaultCacheDir(version string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache dir (%w): pass --cache-dir", err)
	}
	v := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' {
			return '_'
		}
		return r
	}, version)
	return filepath.Join(base, "gocap", "wazero-"+v), nil
}
