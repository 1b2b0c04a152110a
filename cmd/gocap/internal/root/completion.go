package root

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/labs"
	"github.com/gocap/gocap/internal/pipeline"
	"github.com/gocap/gocap/reports"
)

// completions are the values shell completion offers for gocap's closed
// flags, from the same explicit lists the commands run (Checks, Labs,
// reports' formats, the gate's --fail-on values): nothing to drift.
func completions() map[string]func() []string {
	checkIDs := func() []string { return checks.IDs(Checks()) }
	return map[string]func() []string{
		"checks": checkIDs,
		"skip":   checkIDs,
		"labs": func() []string {
			var ids []string
			for _, l := range Labs() {
				ids = append(ids, labID(l))
			}
			return ids
		},
		"format":  reports.FormatNames,
		"fail-on": func() []string { return []string{pipeline.FailOnError, pipeline.FailOnWarning, pipeline.FailOnNone} },
	}
}

func labID(l labs.Lab) string { return l.ID }

// listFlags take comma lists (completion continues after the last comma).
var listFlags = map[string]bool{"checks": true, "skip": true, "labs": true, "format": true}

// registerCompletions gives every command's --checks, --skip, --labs,
// --format and --fail-on flags their values in shell completion
// (`gocap completion bash|zsh|fish|powershell`).
func registerCompletions(c *cobra.Command) {
	values := completions()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, vals := range values {
			if c.LocalFlags().Lookup(name) == nil {
				continue
			}
			_ = c.RegisterFlagCompletionFunc(name, completeFunc(vals, listFlags[name])) // errors only for a flag registered twice
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(c)
}

// completeFunc offers vals; for a comma list it completes the last element
// after what was typed ("vet,ra" → "vet,race") and leaves out the values
// already given.
func completeFunc(vals func() []string, list bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		prefix, last := "", toComplete
		if list {
			if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
				prefix, last = toComplete[:i+1], toComplete[i+1:]
			}
		}
		given := map[string]bool{}
		for _, g := range strings.Split(prefix, ",") {
			given[g] = true
		}
		var out []cobra.Completion
		for _, v := range vals() {
			if strings.HasPrefix(v, last) && !given[v] {
				out = append(out, prefix+v)
			}
		}
		dir := cobra.ShellCompDirectiveNoFileComp
		if list {
			dir |= cobra.ShellCompDirectiveNoSpace
		}
		return out, dir
	}
}
