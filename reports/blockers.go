package reports

// Blocker rules: findings that say the module's code could not be built or
// its tests did not pass. They do more than cost points: a build blocker
// makes the grade F, a test blocker caps it at C (see Score). Producers use
// these names for the findings they emit.
const (
	// RuleTypecheck: a selected package does not load, parse or type-check
	// (the static legs: vet, errors, logging).
	RuleTypecheck = "typecheck"
	// RuleBuildFailed: a package (or its tests) does not compile under go test.
	RuleBuildFailed = "build-failed"
	// RuleVetBlockedTests: the package builds, but go test's vet step
	// (printf, copylocks, …) failed it, so its tests did not run.
	RuleVetBlockedTests = RuleBuildFailed + "/vet"
	// RuleTestFailed: a test failed.
	RuleTestFailed = "test-failed"
	// RulePanic: a test binary panicked.
	RulePanic = "panic"
	// RuleTimeout: a test binary hit go test's -timeout.
	RuleTimeout = "timeout"
	// RuleDataRace: the race detector reported a data race.
	RuleDataRace = "data-race"
)

// BlockerKind says what a blocker does to the grade.
type BlockerKind string

// Blocker kinds.
const (
	// BlockerBuild: the code does not build or type-check: grade F.
	BlockerBuild BlockerKind = "build"
	// BlockerTest: a test failed, panicked, timed out or raced, or go test's
	// vet step kept the tests from running: grade at most C.
	BlockerTest BlockerKind = "test"
)

// GradeCap is the best grade a report with a blocker of this kind can get.
func (k BlockerKind) GradeCap() string {
	switch k {
	case BlockerBuild:
		return "F"
	case BlockerTest:
		return "C"
	}
	return "A+"
}

// Blocker is one finding that caps the grade, named first by every renderer.
type Blocker struct {
	Kind BlockerKind `json:"kind"`
	// Cap is the best grade the report can get while this blocker remains.
	Cap     string `json:"cap"`
	Check   string `json:"check"`
	Rule    string `json:"rule"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// BlockerKindOf returns the blocker kind of a finding, or "" when the finding
// is not a blocker. Only error-severity findings of the blocker rules block.
func BlockerKindOf(f Finding) BlockerKind {
	if f.Severity != SevError {
		return ""
	}
	switch f.Rule {
	case RuleTypecheck, RuleBuildFailed:
		return BlockerBuild
	case RuleVetBlockedTests, RuleTestFailed, RulePanic, RuleTimeout, RuleDataRace:
		return BlockerTest
	}
	return ""
}
