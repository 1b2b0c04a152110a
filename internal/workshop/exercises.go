package workshop

// The exercise set. Each exercise is a folder of the starter module
// (_starter/ID); its criteria say what gocap measures and the target. The
// reference solutions live in testdata/solutions/ID and are not shipped.

// Capability is the capability dimension an exercise trains (a reports
// dimension ID).
type Capability string

// The capabilities the exercises cover.
const (
	Concurrency   Capability = "concurrency"
	Memory        Capability = "memory"
	Errors        Capability = "errors"
	Observability Capability = "observability"
	Performance   Capability = "performance"
	EBPF          Capability = "ebpf"
	Wasm          Capability = "wasm"
	ZeroTrust     Capability = "zerotrust"
)

// Kind is how a criterion is measured.
type Kind string

// The criterion kinds.
const (
	// KindTests: the folder's goal tests pass (gocap's race leg runs them).
	KindTests Kind = "tests"
	// KindTestsUnchanged: the goal test files are the ones handed out.
	KindTestsUnchanged Kind = "tests-unchanged"
	// KindRace: no data race in the folder (race leg, go test -race).
	KindRace Kind = "race"
	// KindNoFindings: none of Rules (rule IDs or "prefix/") in the folder.
	KindNoFindings Kind = "no-findings"
	// KindAllocs: Bench's allocs/op ≤ Max (pprof leg).
	KindAllocs Kind = "allocs"
	// KindNsPerOp: Bench's ns/op ≤ Max (pprof leg).
	KindNsPerOp Kind = "ns-per-op"
	// KindNoEscape: no heap escape in function Func (escape leg).
	KindNoEscape Kind = "no-escape"
	// KindMeasure: the value the goal test reports as Measure (with
	// measure.Report) is ≤ Max; the test fails exactly when it is not.
	KindMeasure Kind = "measure"
	// KindBLoop: benchmark Bench loops with b.Loop, no b.N loop, and calls
	// Setup before the loop.
	KindBLoop Kind = "b-loop"
	// KindPlugin: the folder builds as a wasip1 reactor that gocap's plugin
	// host (wasmrun) loads and whose export Export answers Input with Output.
	KindPlugin Kind = "plugin"
)

// Need is something an exercise needs from the machine.
type Need string

// The needs.
const (
	NeedRoot Need = "root"
	// NeedBPF: program and map types the doctor must report working.
	NeedBPF Need = "bpf"
	// NeedRawTracepoint: raw tracepoint attach works (doctor).
	NeedRawTracepoint Need = "raw-tracepoint"
)

// Criterion is one thing graded.
type Criterion struct {
	Name    string   `json:"name"`
	Kind    Kind     `json:"kind"`
	Want    string   `json:"want"`
	Rules   []string `json:"rules,omitempty"`
	Bench   string   `json:"bench,omitempty"`
	Func    string   `json:"func,omitempty"`
	Measure string   `json:"measure,omitempty"`
	Setup   string   `json:"setup,omitempty"`
	Max     float64  `json:"max,omitempty"`
	Export  string   `json:"export,omitempty"`
	Input   string   `json:"input,omitempty"`
	Output  string   `json:"output,omitempty"`
}

// Exercise is one folder of the starter module.
type Exercise struct {
	ID         string      `json:"id"`
	Title      string      `json:"title"`
	Capability Capability  `json:"capability"`
	Difficulty string      `json:"difficulty"` // easy, medium, hard
	Minutes    int         `json:"minutes"`    // time estimate
	Needs      []Need      `json:"needs,omitempty"`
	Criteria   []Criterion `json:"criteria"`
	// Hints is the ladder: the first is shown on the first failed grade,
	// one more on every further failed grade.
	Hints []string `json:"-"`
	// Editable test files are part of the task (bench-loop's benchmark);
	// every other _test.go file is a goal test and must stay unchanged.
	Editable []string `json:"-"`
}

func tests() Criterion { return Criterion{Name: "goal tests pass", Kind: KindTests, Want: "all pass"} }

func raceFree() Criterion {
	return Criterion{Name: "race-free under go test -race", Kind: KindRace, Want: "0 data races"}
}

func measureZero(name, what string) Criterion {
	return Criterion{Name: what, Kind: KindMeasure, Measure: name, Max: 0, Want: "0"}
}

var exercises = []Exercise{
	{
		ID: "race-counter", Title: "A data race on a shared counter", Capability: Concurrency, Difficulty: "easy", Minutes: 10,
		Criteria: []Criterion{tests(), raceFree()},
		Hints: []string{
			"Run `go test -race ./race-counter` and read both stacks: which field is written outside the lock?",
			"Every access to total and counts — reads too — must hold h.mu; `defer h.mu.Unlock()` right after Lock keeps it simple.",
			"Move `h.total++` above `h.mu.Unlock()` and lock in Count and Total as well.",
		},
	},
	{
		ID: "leak-ctx", Title: "A goroutine leak on context cancel", Capability: Concurrency, Difficulty: "easy", Minutes: 10,
		Criteria: []Criterion{tests(), measureZero("leaked_goroutines", "the goroutine ends when its context is cancelled")},
		Hints: []string{
			"After cancel nobody reads `out`: the send `out <- i` blocks forever. The goroutine must also wait on ctx.Done().",
			"Send inside a select: `select { case out <- i: case <-ctx.Done(): return }`.",
			"Add `defer close(out)` at the top of the goroutine so consumers ranging over the channel end too.",
		},
	},
	{
		ID: "waitgroup", Title: "A WaitGroup.Add in the goroutine and a lost cancel", Capability: Concurrency, Difficulty: "medium", Minutes: 15,
		Criteria: []Criterion{tests(),
			{Name: "vet: no WaitGroup.Add inside the goroutine, no lost cancel", Kind: KindNoFindings, Rules: []string{"waitgroup", "lostcancel"}, Want: "0 findings"},
			raceFree()},
		Hints: []string{
			"wg.Add must happen before the goroutine starts, or Wait can return before any goroutine was counted. `go vet` says where.",
			"Go 1.25 has `wg.Go(func() { … })`, which does Add and Done for you.",
			"Keep the cancel: `cctx, cancel := context.WithTimeout(ctx, timeout); defer cancel()` inside the goroutine.",
		},
	},
	{
		ID: "hot-escape", Title: "A hot escape to remove", Capability: Memory, Difficulty: "medium", Minutes: 15,
		Criteria: []Criterion{tests(),
			{Name: "no heap escape in Median", Kind: KindNoEscape, Func: "Median", Want: "0 escapes"},
			{Name: "BenchmarkMedian allocations", Kind: KindAllocs, Bench: "BenchmarkMedian", Max: 0, Want: "0 allocs/op"}},
		Hints: []string{
			"Run `go build -gcflags=-m ./hot-escape`: which line says `s escapes to heap`, and why would a sort need the heap?",
			"sort.Slice takes `any`: converting the slice to an interface makes it escape. A generic sort takes the slice as it is.",
			"Replace sort.Slice with `slices.Sort(s)` (package slices).",
		},
	},
	{
		ID: "alloc-budget", Title: "An allocation budget met by preallocation", Capability: Memory, Difficulty: "easy", Minutes: 10,
		Criteria: []Criterion{tests(),
			{Name: "BenchmarkRender allocations", Kind: KindAllocs, Bench: "BenchmarkRender", Max: 1, Want: "≤ 1 allocs/op"}},
		Hints: []string{
			"Each `+=` on a string allocates a new string and copies the old one: count them in one call.",
			"Write into a strings.Builder instead of concatenating.",
			"Compute the output length first and call b.Grow(n) once: then the Builder allocates exactly once.",
		},
	},
	{
		ID: "errors-wrap", Title: "Wrap with %w, compare with errors.Is/As", Capability: Errors, Difficulty: "easy", Minutes: 10,
		Criteria: []Criterion{tests(),
			{Name: "errorlint: errors.Is/As instead of ==, type assertions and %v", Kind: KindNoFindings, Rules: []string{"errorlint/"}, Want: "0 findings"}},
		Hints: []string{
			"`%v` turns the cause into text; `%w` keeps it in the chain for errors.Is and errors.As.",
			"Replace `err == ErrNotFound` with errors.Is and the type assertion with errors.As (or errors.AsType in Go 1.26).",
			"For a missing file return `fmt.Errorf(\"%w: %w\", ErrNotFound, err)`: both errors.Is(err, ErrNotFound) and errors.Is(err, fs.ErrNotExist) hold.",
		},
	},
	{
		ID: "slog-fields", Title: "Structured logging with slog", Capability: Observability, Difficulty: "easy", Minutes: 10,
		Criteria: []Criterion{tests(),
			measureZero("missing_keys", "slog JSON records carry order_id, items, duration_ms / error"),
			{Name: "logging: no log/fmt printing in the package", Kind: KindNoFindings, Rules: []string{"printlog/", "printlog"}, Want: "0 findings"}},
		Hints: []string{
			"The test gives Handler a JSON slog.Logger; log.Printf writes elsewhere, as text. Log through h.Logger.",
			"`h.Logger.Info(\"order handled\", \"order_id\", o.ID, \"items\", len(o.Items), …)`: key/value pairs become JSON fields.",
			"duration_ms must be a number: `slog.Float64(\"duration_ms\", float64(time.Since(start).Microseconds())/1000)`; the failure path uses h.Logger.Error with an \"error\" attribute.",
		},
	},
	{
		ID: "bench-loop", Title: "A benchmark with b.Loop", Capability: Performance, Difficulty: "easy", Minutes: 5,
		Editable: []string{"parse_bench_test.go"},
		Criteria: []Criterion{tests(),
			{Name: "BenchmarkParse uses b.Loop with its setup outside the loop", Kind: KindBLoop, Bench: "BenchmarkParse", Setup: "Sample", Want: "b.Loop, Sample before the loop"},
			{Name: "BenchmarkParse runs under the pprof leg", Kind: KindNsPerOp, Bench: "BenchmarkParse", Max: 50e6, Want: "measured, ≤ 50 ms/op"}},
		Hints: []string{
			"Everything inside the timed loop is measured, including building the input.",
			"Move `input := Sample(500)` above the loop.",
			"Replace `for i := 0; i < b.N; i++` with `for b.Loop()`: it also keeps the result alive, so Parse cannot be optimised away.",
		},
	},
	{
		ID: "cpu-hotspot", Title: "A CPU hot spot found with pprof", Capability: Performance, Difficulty: "medium", Minutes: 15,
		Criteria: []Criterion{tests(),
			{Name: "BenchmarkCountMatches time", Kind: KindNsPerOp, Bench: "BenchmarkCountMatches", Max: 20e6, Want: "≤ 20 ms/op"},
			{Name: "BenchmarkCountMatches allocations", Kind: KindAllocs, Bench: "BenchmarkCountMatches", Max: 1000, Want: "≤ 1000 allocs/op"}},
		Hints: []string{
			"Profile it: `go test -bench CountMatches -cpuprofile cpu.out ./cpu-hotspot && go tool pprof -top cpu.out`. What dominates?",
			"regexp.MustCompile parses and compiles the pattern every time it is called: here once per line and pattern.",
			"Compile each pattern once, before the loop over lines (or once per process in a package variable).",
		},
	},
	{
		ID: "ebpf-verifier", Title: "A program the verifier rejects, made acceptable", Capability: EBPF, Difficulty: "hard", Minutes: 20,
		Needs:    []Need{NeedRoot, NeedBPF},
		Criteria: []Criterion{tests(), measureZero("verifier_rejected", "the verifier accepts the program")},
		Hints: []string{
			"Read the verifier log the test prints: the last lines name the instruction and the register it refuses.",
			"`map_value_or_null`: bpf_map_lookup_elem returns NULL when the key is missing; the verifier will not let you dereference R0 before checking.",
			"After the call add `asm.JEq.Imm(asm.R0, 0, \"keep\")` and label the `Mov.Imm(asm.R0, -1)` with `.WithSymbol(\"keep\")`.",
		},
	},
	{
		ID: "ebpf-links", Title: "A loader that closes its links", Capability: EBPF, Difficulty: "medium", Minutes: 15,
		Needs:    []Need{NeedRoot, NeedBPF, NeedRawTracepoint},
		Criteria: []Criterion{tests(), measureZero("open_bpf_objects", "every map, program and link is closed")},
		Hints: []string{
			"A link keeps the program attached until it is closed; the program and map hold kernel memory until closed.",
			"`defer x.Close()` right after each successful create/attach: counts, prog and l.",
			"Deferred calls run in reverse order — link first, then program, then map — which is the order the kernel wants.",
		},
	},
	{
		ID: "ebpf-map-read", Title: "A map read from Go", Capability: EBPF, Difficulty: "medium", Minutes: 15,
		Needs:    []Need{NeedRoot, NeedBPF},
		Criteria: []Criterion{tests()},
		Hints: []string{
			"A per-CPU map returns one value per possible CPU; the total is their sum.",
			"Map keys are raw bytes. The program wrote the 4 address bytes as they are; a uint32 is written in the host's (little-endian) order.",
			"Use `key := ip.As4()` (a [4]byte) as the key, and sum every element of perCPU.",
		},
	},
	{
		ID: "wasm-limits", Title: "A host that caps memory and time", Capability: Wasm, Difficulty: "medium", Minutes: 15,
		Criteria: []Criterion{tests()},
		Hints: []string{
			"wazero's RuntimeConfig has the knobs; nothing is capped by default.",
			"Memory: `WithMemoryLimitPages(lim.MemoryPages)`. Time: a context with lim.Timeout, and `WithCloseOnContextDone(true)` so the module is stopped when it ends.",
			"Without WithCloseOnContextDone wazero never checks the context while guest code runs: both are needed.",
		},
	},
	{
		ID: "wasm-plugin", Title: "A plugin export that follows the ABI", Capability: Wasm, Difficulty: "hard", Minutes: 20,
		Criteria: []Criterion{tests(),
			{Name: "loads in gocap's plugin host and upper(\"gocap workshop\") answers", Kind: KindPlugin, Export: "upper", Input: "gocap workshop", Output: "GOCAP WORKSHOP", Want: "GOCAP WORKSHOP"},
			{Name: "upper(\"\") answers with empty output", Kind: KindPlugin, Export: "upper", Input: "", Output: "", Want: "empty output"}},
		Hints: []string{
			"Build it as the host does: `GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o /tmp/p.wasm ./wasm-plugin`, then `echo hi | gocap wasm plugin /tmp/p.wasm --call upper`.",
			"The host needs a `free(ptr uint32)` export, and reads the result as ptr<<32 | len — not len<<32 | ptr.",
			"`&b[0]` panics on an empty slice: make alloc allocate at least one byte, and return 0 (empty, no pointer) when the output is empty.",
		},
	},
	{
		ID: "mtls-authz", Title: "Authorize by SPIFFE ID, refuse other trust domains", Capability: ZeroTrust, Difficulty: "easy", Minutes: 10,
		Criteria: []Criterion{tests()},
		Hints: []string{
			"The TLS handshake proves the client's identity; the authorizer decides whether that identity may call you.",
			"tlsconfig.AuthorizeAny lets in every workload the bundles verify — here including a federated trust domain.",
			"Use `tlsconfig.AuthorizeID(allowed)` (or AuthorizeOneOf for several IDs).",
		},
	},
	{
		ID: "svid-rotation", Title: "Rotate SVIDs without failed handshakes", Capability: ZeroTrust, Difficulty: "medium", Minutes: 15,
		Criteria: []Criterion{tests(), measureZero("failed_handshakes", "no failed handshake across 20 SVID rotations")},
		Hints: []string{
			"tls.Config.Certificates is read once: whatever SVID was current at start-up is presented forever.",
			"Let the TLS stack ask the source on every handshake: a GetClientCertificate callback that calls src.GetX509SVID().",
			"go-spiffe does this for you: `tlsconfig.MTLSClientConfig(src, bundles, tlsconfig.AuthorizeID(serverID))`.",
		},
	},
}

// Exercises returns the exercise set in order.
func Exercises() []Exercise { return exercises }

// Find returns the exercise with id.
func Find(id string) (Exercise, bool) {
	for _, e := range exercises {
		if e.ID == id {
			return e, true
		}
	}
	return Exercise{}, false
}

// IDs returns every exercise ID in order.
func IDs() []string {
	out := make([]string, len(exercises))
	for i, e := range exercises {
		out[i] = e.ID
	}
	return out
}

// Hints returns the whole hint ladder of an exercise.
func Hints(id string) []string {
	e, _ := Find(id)
	return e.Hints
}
