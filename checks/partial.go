package checks

import (
	"context"
	"errors"

	"github.com/gocap/gocap/checks/internal/testjson"
	"github.com/gocap/gocap/reports"
)

// cutReason says why a leg's ctx ended, for the packages it left unmeasured.
func cutReason(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "cut off by the time limit before it finished"
	}
	return "interrupted before it finished"
}

// markUnfinished lists, in a cut-off race leg's result, every package with
// tests whose run the stream did not see finish as not measured (so the
// score does not count it clean), and says how many in the summary.
func markUnfinished(ctx context.Context, res *Result, stream *testjson.Result, pkgs []*Package) {
	why := cutReason(ctx)
	n := 0
	for _, p := range pkgs {
		if len(p.TestGoFiles)+len(p.XTestGoFiles) == 0 {
			continue
		}
		if sp := stream.Packages[p.ImportPath]; sp != nil && sp.Action != "" {
			continue
		}
		n++
		res.NotMeasured = append(res.NotMeasured, reports.NotMeasured{Package: p.ImportPath, Reason: why})
	}
	res.Summary += "; " + count(n, "package", "packages") + " with tests unfinished"
}
