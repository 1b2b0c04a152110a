package workshop

import (
	"context"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Watch grades the folder, then grades again whenever a source file under
// it changes (polled every interval; a burst of saves is graded once, when
// it settles), until ctx ends. onGrade receives every grade.
func Watch(ctx context.Context, o Options, interval time.Duration, onGrade func(*Report, error)) error {
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	root, err := workshopRoot(o.Dir)
	if err != nil {
		return err
	}
	last := fingerprint(root)
	rep, err := Grade(ctx, o)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	onGrade(rep, err)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		cur := fingerprint(root)
		if cur == last {
			continue
		}
		// Wait for the saves to settle: an editor may write several files.
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
			next := fingerprint(root)
			if next == cur {
				break
			}
			cur = next
		}
		last = cur
		rep, err := Grade(ctx, o)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		onGrade(rep, err)
	}
}

// fingerprint summarises the sources under root: names, sizes, mtimes.
func fingerprint(root string) string {
	var b strings.Builder
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file removed while walking: the next poll sees it
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(name) {
		case ".go", ".c", ".h", ".mod", ".sum", ".wasm":
		default:
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		b.WriteString(p)
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(info.Size(), 10))
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(info.ModTime().UnixNano(), 10))
		b.WriteByte('\n')
		return nil
	})
	return b.String()
}
