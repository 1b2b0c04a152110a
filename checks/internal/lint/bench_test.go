package lint

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkAnalysis compares one analysis run (load + every analyzer, no
// result cache), a run served by the result cache, and go vet ./... on the defects testdata module and on
// gocap itself. Warm the build cache first (go vet ./... once). The
// side-by-side ratio is printed by make bench-vet.
func BenchmarkAnalysis(b *testing.B) {
	for _, m := range []struct{ name, dir string }{
		{"defects", "../../testdata/defects"},
		{"gocap", "../../.."},
	} {
		dir, err := filepath.Abs(m.dir)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(m.name+"/gocap", func(b *testing.B) {
			for b.Loop() {
				res, err := Run(context.Background(), Config{Dir: dir, Patterns: []string{"./..."}}, Rules())
				if err != nil {
					b.Fatal(err)
				}
				if res.Packages == 0 {
					b.Fatal("no packages analysed")
				}
			}
		})
		b.Run(m.name+"/gocap-cached", func(b *testing.B) {
			cfg := Config{Dir: dir, Patterns: []string{"./..."}, CacheDir: b.TempDir()}
			if _, err := Run(context.Background(), cfg, Rules()); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				res, err := Run(context.Background(), cfg, Rules())
				if err != nil || !res.Cached {
					b.Fatalf("cached run: %v (cached=%v)", err, res != nil && res.Cached)
				}
			}
		})
		b.Run(m.name+"/govet", func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command("go", "vet", "./...")
				cmd.Dir = dir
				_ = cmd.Run() // go vet exits 1 on findings; the time is what counts
			}
		})
	}
}
