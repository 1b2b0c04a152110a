package checks

import (
	"github.com/gocap/gocap/checks/internal/lint"
	"github.com/gocap/gocap/reports"
)

// Errors reports error handling defects with errcheck and go-errorlint.
var Errors = &Check{
	ID:   "errors",
	Name: "error handling (errcheck, errorlint)",
	Doc: `errors dropped, or compared in ways that break on wrapping

Runs github.com/kisielk/errcheck and codeberg.org/polyfloyd/go-errorlint as
analyzers in the shared analysis run (see the vet check):

  - errcheck (error; warning in _test.go files): a call whose error result
    is not used at all; an explicit _ = f() is accepted as a deliberate
    decision. Not reported, by default:
      * errcheck's own default excludes: fmt.Print*, fmt.Fprint* into a
        *bytes.Buffer, *strings.Builder or os.Stderr, the Write* methods of
        *bytes.Buffer, *strings.Builder, hash.Hash, crypto/sha3 and
        hash/maphash, crypto/rand.Read, math/rand.Read, io.Pipe*'s
        CloseWithError, errors.AsType;
      * golangci-lint v2's std-error-handling exclusion preset (its old
        EXC0001), matched on the call as written: anything on os.Stdout or
        os.Stderr, .*Close, .*Flush, os.Remove and os.RemoveAll,
        .*print, .*printf, .*println, os.Setenv and os.Unsetenv;
      * writers that cannot fail or keep their error for later: Write,
        WriteString, WriteByte, WriteRune on any type that implements
        hash.Hash (xxhash's *Digest and the like: hash.Hash's Write never
        returns an error), on a *bufio.Writer (its error is sticky and
        comes back from Flush) and on an http.ResponseWriter (a failed write
        means the client left; nobody can be told), and fmt.Fprint* or
        io.WriteString into any of those or a *bytes.Buffer or
        *strings.Builder.
    .gocap.yaml changes it:
      errcheck:
        std-error-handling: false                  # report Close, Flush…
        exclude-functions: [io.Copy, "(*os.File).Close"]
    A bare recover() is not a dropped error (it returns the panic). A
    dropped error in a test fails the test at worst, so it is a warning.
  - errorlint/comparison, errorlint/switch (error): err == ErrX, err != ErrX
    or switch err { case ErrX: } where err may be wrapped; errors.Is sees
    through wrapping, == does not. A value from recover() is not a wrapped
    error (it is what panic was given), so recover() == http.ErrAbortHandler
    and the like are not reported. Comparisons with io.EOF from the readers
    documented to return it unwrapped (and the other pairs on go-errorlint's
    allow list) are not reported.
  - errorlint/assertion, errorlint/type-switch (error): err.(*T) and type
    switches on errors; use errors.As.
  - errorlint/errorf (warning): fmt.Errorf formats an error with %v or %s
    instead of %w, cutting the chain.

Known false positives: errors that are documented never to be wrapped (a
sentinel returned by your own unexported function) are reported by
errorlint; the std-error-handling preset also hides a dropped Close of a
file written to (where the error can mean lost data); %v in fmt.Errorf can be a deliberate choice to hide an
implementation error from callers.`,
	URL:      "https://github.com/kisielk/errcheck",
	Measures: []string{reports.DimErrors},
	Run:      lintRun(lint.CheckErrors),
}
