package printlog_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/gocap/gocap/checks/analyzers/printlog"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), printlog.Analyzer, "lib", "app", "mylog", "mylog/hook")
}
