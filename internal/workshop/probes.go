package workshop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"

	"github.com/gocap/gocap/ebpfprobe"
	"github.com/gocap/gocap/internal/version"
	"github.com/gocap/gocap/wasmrun"
)

// probeNeeds asks gocap's eBPF doctor (and cilium/ebpf's feature probes)
// what this machine offers, as the reason each need is unmet ("" met).
func probeNeeds(ctx context.Context) map[Need]string {
	out := map[Need]string{}
	if os.Geteuid() != 0 {
		why := "needs root (CAP_BPF, CAP_PERFMON): run sudo gocap workshop grade"
		return map[Need]string{NeedRoot: why, NeedBPF: why, NeedRawTracepoint: why}
	}
	rep := ebpfprobe.Doctor(ctx)
	var bpf []string
	for _, it := range rep.Items {
		ok := it.Status == ebpfprobe.StatusOK || it.Status == ebpfprobe.StatusWarn
		switch {
		case it.Area == "privileges" && it.Name == "CAP_BPF" && !ok:
			bpf = append(bpf, "CAP_BPF: "+it.Detail)
		case it.Area == "map types" && (it.Name == "Hash" || it.Name == "Array" || it.Name == "PerCPUArray") && !ok:
			bpf = append(bpf, it.Name+" maps: "+it.Detail)
		case it.Area == "attach" && strings.HasPrefix(it.Name, "raw tracepoint") && !ok:
			out[NeedRawTracepoint] = "raw tracepoints do not attach here (gocap ebpf doctor: " + it.Detail + ")"
		}
	}
	if err := features.HaveProgramType(ebpf.SocketFilter); err != nil {
		bpf = append(bpf, "socket filter programs: "+err.Error())
	}
	if len(bpf) > 0 {
		out[NeedBPF] = "this kernel lacks " + strings.Join(bpf, ", ") + " (gocap ebpf doctor)"
	}
	return out
}

// pluginResult is the outcome of building and loading a plugin exercise.
type pluginResult struct {
	err   error             // build or load failure
	calls map[string]string // input → output (or "error: …")
}

func (p *pluginResult) criterion(c Criterion) (bool, string) {
	if p == nil {
		return false, "not measured"
	}
	if p.err != nil {
		return false, p.err.Error()
	}
	got, ok := p.calls[c.Input]
	if !ok {
		return false, "not called"
	}
	if strings.HasPrefix(got, "error: ") {
		return false, got
	}
	if got == "" {
		return c.Output == "", "empty output"
	}
	return got == c.Output, fmt.Sprintf("%q", got)
}

// runPlugin builds the exercise as a wasip1 reactor and calls its exports
// through wasmrun, gocap's plugin host, with a 5 s limit per call.
func runPlugin(ctx context.Context, root string, e Exercise) *pluginResult {
	res := &pluginResult{calls: map[string]string{}}
	tmp, err := os.MkdirTemp("", "gocap-workshop-plugin-")
	if err != nil {
		res.err = err
		return res
	}
	defer func() { _ = os.RemoveAll(tmp) }() // a temp folder: nothing to report if it lingers
	out := filepath.Join(tmp, "plugin.wasm")
	bctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(bctx, "go", "build", "-buildmode=c-shared", "-o", out, "./"+e.ID)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		res.err = fmt.Errorf("does not build for wasip1 (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared): %s", firstLine(stderr.String()+" "+err.Error()))
		return res
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		res.err = err
		return res
	}
	cfg := wasmrun.NewConfig().WithTimeout(5 * time.Second).WithMemoryLimitPages(1024)
	if dir, err := wasmrun.DefaultCacheDir(version.String()); err == nil {
		cfg = cfg.WithCacheDir(dir)
	}
	p, err := wasmrun.Load(ctx, bin, cfg)
	if err != nil {
		res.err = fmt.Errorf("gocap's plugin host refuses it: %w", err)
		return res
	}
	defer func() { _ = p.Close(context.WithoutCancel(ctx)) }() // the results are in; closing frees memory only
	for _, c := range Criteria(e) {
		if c.Kind != KindPlugin {
			continue
		}
		if _, done := res.calls[c.Input]; done {
			continue
		}
		got, err := p.Call(ctx, c.Export, []byte(c.Input))
		if err != nil {
			res.calls[c.Input] = "error: " + firstLine(err.Error())
			if errors.Is(err, context.Canceled) {
				break
			}
			continue
		}
		res.calls[c.Input] = string(got)
	}
	return res
}

// bloop checks benchmark bench in the folder's test files: it loops with
// b.Loop, has no b.N loop, and calls setup outside the loop.
func bloop(dir, bench, setup string) (bool, string) {
	fset := token.NewFileSet()
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return false, "does not parse: " + firstLine(err.Error())
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != bench || fd.Body == nil {
				continue
			}
			b := "b"
			if ps := fd.Type.Params.List; len(ps) == 1 && len(ps[0].Names) == 1 {
				b = ps[0].Names[0].Name
			}
			var usesN, loop bool
			setupInLoop := false
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if id, ok := n.X.(*ast.Ident); ok && id.Name == b && n.Sel.Name == "N" {
						usesN = true
					}
				case *ast.ForStmt:
					if call, ok := n.Cond.(*ast.CallExpr); ok {
						if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Loop" {
							if id, ok := sel.X.(*ast.Ident); ok && id.Name == b {
								loop = true
							}
						}
					}
					if setup != "" && callsIn(n.Body, setup) {
						setupInLoop = true
					}
				}
				return true
			})
			switch {
			case usesN:
				return false, "loops over " + b + ".N"
			case !loop:
				return false, "no for " + b + ".Loop() loop"
			case setupInLoop:
				return false, setup + " is called inside the timed loop"
			}
			return true, "b.Loop, " + setup + " before the loop"
		}
	}
	return false, bench + " not found in the folder's _test.go files"
}

func callsIn(n ast.Node, fn string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == fn {
				found = true
			}
		}
		return !found
	})
	return found
}
