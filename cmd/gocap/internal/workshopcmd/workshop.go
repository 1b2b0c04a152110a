// Package workshopcmd is `gocap workshop`: exercises that start broken,
// graded on capability (list, start, grade, board, serve). The work lives in
// internal/workshop; this package parses flags and prints.
package workshopcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/atomicfile"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/workshop"
)

// NewCmd builds `gocap workshop` over gocap's list of checks (the grader
// runs the legs its criteria need through the pipeline).
func NewCmd(ios *iostreams.IOStreams, list []*checks.Check) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workshop",
		Short: "Exercises that start broken, graded on capability (list, start, grade, board, serve)",
		Long: `Run a hands-on Go workshop: each participant gets a module of exercises that
start broken (gocap workshop start), fixes them and grades them with gocap's
own engines (gocap workshop grade): races under -race, heap escapes,
allocations per op, analyzers, structured logs, eBPF objects, a WebAssembly
plugin, SPIFFE mTLS. The lead collects grades (gocap workshop serve) and
shows the room on one page (gocap workshop board).`,
		Example: `  gocap workshop list
  gocap workshop start ws && cd ws
  gocap workshop grade --watch
  gocap workshop serve --addr 127.0.0.1:8080 --dir reports
  gocap workshop board reports --out board.html`,
	}
	cmd.AddCommand(newListCmd(ios, nil), newStartCmd(ios, nil), newGradeCmd(ios, list, nil), newBoardCmd(ios, nil), newServeCmd(ios, nil))
	return cmd
}

// ListOptions of gocap workshop list.
type ListOptions struct {
	IO   *iostreams.IOStreams
	JSON bool
}

func newListCmd(ios *iostreams.IOStreams, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the exercises: capability, difficulty, time estimate and criteria",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print {\"exercises\": [...]} as JSON")
	return cmd
}

type listedExercise struct {
	workshop.Exercise
	Criteria []workshop.Criterion `json:"criteria"`
}

func listRun(o *ListOptions) error {
	if o.JSON {
		var out struct {
			Exercises []listedExercise `json:"exercises"`
		}
		for _, e := range workshop.Exercises() {
			out.Exercises = append(out.Exercises, listedExercise{Exercise: e, Criteria: workshop.Criteria(e)})
		}
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	ew := errwriter.New(tw)
	ew.Println("ID\tCAPABILITY\tDIFFICULTY\tTIME\tTITLE")
	total := 0
	for _, e := range workshop.Exercises() {
		needs := ""
		if len(e.Needs) > 0 {
			needs = " (needs root)"
		}
		ew.Printf("%s\t%s\t%s\t%d min\t%s%s\n", e.ID, e.Capability, e.Difficulty, e.Minutes, e.Title, needs)
		total += e.Minutes
	}
	if err := ew.Err(); err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(o.IO.Out, "\n%d exercises, about %d min. Criteria: gocap workshop list --json; start: gocap workshop start DIR\n", len(workshop.Exercises()), total)
	return err
}

// StartOptions of gocap workshop start.
type StartOptions struct {
	IO        *iostreams.IOStreams
	Dir       string
	Exercises []string
	Force     bool
}

func newStartCmd(ios *iostreams.IOStreams, runF func(*StartOptions) error) *cobra.Command {
	o := &StartOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "start [DIR]",
		Short: "Write the exercise module into DIR (default: ./gocap-workshop)",
		Long: `Write the workshop module into DIR: one folder per exercise with broken code,
a README (the task, why it matters, where to read more) and the tests that
state the goal. A non-empty DIR is refused unless --force, which writes only
the files that are missing: an existing file is never replaced.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.Dir = "gocap-workshop"
			if len(args) == 1 {
				o.Dir = args[0]
			}
			ids, err := workshop.CheckIDs(splitList(o.Exercises))
			if err != nil {
				return err
			}
			o.Exercises = ids
			if runF != nil {
				return runF(o)
			}
			return startRun(o)
		},
	}
	cmd.Flags().StringSliceVar(&o.Exercises, "exercises", nil, "only these exercises (comma list; default all): "+strings.Join(workshop.IDs(), ","))
	cmd.Flags().BoolVar(&o.Force, "force", false, "write into a non-empty DIR: only missing files, never replacing one")
	return cmd
}

func startRun(o *StartOptions) error {
	res, err := workshop.Start(o.Dir, o.Exercises, o.Force, time.Now())
	if err != nil {
		return err
	}
	w := errwriter.New(o.IO.Out)
	w.Printf("wrote %d files into %s (%d exercises)\n", len(res.Written), res.Dir, len(res.Exercises))
	if len(res.Kept) > 0 {
		w.Printf("kept %d file(s) you changed: %s\n", len(res.Kept), strings.Join(res.Kept, ", "))
	}
	w.Printf("next: cd %s && gocap workshop grade --watch (each folder's README.md says what to fix)\n", o.Dir)
	return w.Err()
}

func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// writeOut writes data to path atomically, or to w when path is "" or "-".
func writeOut(w io.Writer, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := w.Write(data)
		return err
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return cmdutil.Usagef("--out %s: %v", path, err)
	}
	return nil
}

func absOr(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func envToken() string { return os.Getenv(TokenEnv) }
