package reports

// Dimension IDs: the closed set of capability dimensions a finding can cost
// points in (Finding.Dimension, Check.Measures). Producers use these names, so
// a typo does not compile; TestFindingDimensionsKnown in checks fails on a
// finding whose dimension is not one of them.
const (
	DimCorrectness   = "correctness"
	DimStyle         = "style"
	DimDependencies  = "dependencies"
	DimConcurrency   = "concurrency"
	DimMemory        = "memory"
	DimPerformance   = "performance"
	DimErrors        = "errors"
	DimObservability = "observability"
)

// Lab dimensions: what a hands-on lab of gocap run is about (Lab.Dimension).
// Labs describe this machine and gocap's own samples, not the module, so they
// are reported in their own section and never scored with the module.
const (
	LabEBPF      = "ebpf"
	LabWasm      = "wasm"
	LabZeroTrust = "zerotrust"
	LabRuntime   = "runtime"
)

// DimensionDef declares a capability dimension and its weight in the overall score.
type DimensionDef struct {
	ID     string
	Name   string
	Weight float64
}

// Dimensions are the module's dimensions, in report order. Weights are
// relative; the overall score is the weighted mean over the dimensions that
// were measured (see Score).
var Dimensions = []DimensionDef{
	{DimCorrectness, "Correctness", 20},
	{DimStyle, "Style", 5},
	{DimDependencies, "Dependencies", 5},
	{DimConcurrency, "Concurrency", 15},
	{DimMemory, "Memory", 10},
	{DimPerformance, "Performance", 10},
	{DimErrors, "Error handling", 15},
	{DimObservability, "Observability", 10},
}

// LabDimensions name the labs' subjects, in report order.
var LabDimensions = []DimensionDef{
	{LabEBPF, "eBPF", 0},
	{LabWasm, "WebAssembly", 0},
	{LabZeroTrust, "Zero trust (mTLS)", 0},
	{LabRuntime, "Go runtime under load", 0},
}

// KnownDimension reports whether id is one of Dimensions.
func KnownDimension(id string) bool {
	for _, d := range Dimensions {
		if d.ID == id {
			return true
		}
	}
	return false
}
