package workshopcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/checks"
	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/workshop"
)

// TokenEnv names the environment variable holding the workshop token.
const TokenEnv = "GOCAP_WORKSHOP_TOKEN"

// GradeOptions of gocap workshop grade.
type GradeOptions struct {
	IO        *iostreams.IOStreams
	Checks    []*checks.Check
	Dir       string
	Exercises []string
	Watch     bool
	JSON      bool
	Submit    string
	Name      string
	Token     string
	Timeout   time.Duration
	// Interval is the --watch poll interval.
	Interval time.Duration
	// OnGrade, when set, sees every grade (tests of --watch).
	OnGrade func(*workshop.Report)
}

func newGradeCmd(ios *iostreams.IOStreams, list []*checks.Check, runF func(context.Context, *GradeOptions) error) *cobra.Command {
	o := &GradeOptions{IO: ios, Checks: list, Interval: 500 * time.Millisecond}
	cmd := &cobra.Command{
		Use:   "grade [DIR]",
		Short: "Grade the exercises in a workshop folder (default: the current one)",
		Long: `Grade each exercise with gocap's own engines, through one pipeline run over
the exercise folders with the legs the criteria need (race, escape, pprof,
vet, errors, logging), plus the WebAssembly plugin through gocap's host.
Each exercise: pass, fail or skipped (a need this machine lacks, such as root
for eBPF), its criteria with measured values, the hints so far (one more on
each failed grade) and the time to green.

--watch grades again on every save, with a live view on a terminal.
--submit URL --name NAME posts the grade to gocap workshop serve, with the
token from --token or $` + TokenEnv + `.

Exit codes: 0 every graded exercise passes, 1 some fail, 2 bad input (not a
workshop folder, unknown exercise, a refused submission), 3 a tool failed.`,
		Example: `  gocap workshop grade
  gocap workshop grade --exercises race-counter --watch
  gocap workshop grade --json > grade.json
  GOCAP_WORKSHOP_TOKEN=… gocap workshop grade --submit http://10.0.0.5:8080 --name ada`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.Dir = "."
			if len(args) == 1 {
				o.Dir = args[0]
			}
			ids, err := workshop.CheckIDs(splitList(o.Exercises))
			if err != nil {
				return err
			}
			if len(o.Exercises) == 0 {
				ids = nil // every folder present
			}
			o.Exercises = ids
			if o.Token == "" {
				o.Token = os.Getenv(TokenEnv)
			}
			if o.Submit != "" {
				if !strings.HasPrefix(o.Submit, "http://") && !strings.HasPrefix(o.Submit, "https://") {
					return cmdutil.Usagef("--submit %s: give the serve URL, e.g. http://127.0.0.1:8080", o.Submit)
				}
				if err := workshop.ValidName(o.Name); err != nil {
					return cmdutil.Usagef("--name: %v", err)
				}
				if o.Token == "" {
					return cmdutil.Usagef("--submit needs the workshop token: --token TOKEN or $%s (gocap workshop serve printed it)", TokenEnv)
				}
			} else if o.Name != "" {
				if err := workshop.ValidName(o.Name); err != nil {
					return cmdutil.Usagef("--name: %v", err)
				}
			}
			if o.Timeout <= 0 {
				return cmdutil.Usagef("--timeout %s: give a positive duration, e.g. 10m", o.Timeout)
			}
			if o.Watch && o.JSON {
				return cmdutil.Usagef("--watch and --json: pick one (--watch is a live view; --json prints one grade)")
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return gradeRun(c.Context(), o)
		},
	}
	cmd.Flags().StringSliceVar(&o.Exercises, "exercises", nil, "grade only these exercises (comma list)")
	cmd.Flags().BoolVar(&o.Watch, "watch", false, "grade again on every save, with a live view")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the grade as JSON")
	cmd.Flags().StringVar(&o.Submit, "submit", "", "post the grade to a gocap workshop serve at this URL")
	cmd.Flags().StringVar(&o.Name, "name", "", "your name on the board (letters, digits, . _ -)")
	cmd.Flags().StringVar(&o.Token, "token", "", "the workshop token (default $"+TokenEnv+")")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 10*time.Minute, "time limit for one grade (the first, with a cold build cache, is the slowest)")
	return cmd
}

func (o *GradeOptions) options(prog *cmdutil.Progress) workshop.Options {
	wo := workshop.Options{Dir: o.Dir, IDs: o.Exercises, Checks: o.Checks, Participant: o.Name, Timeout: o.Timeout}
	if prog != nil {
		wo.Progress = prog.Update
	}
	return wo
}

func gradeRun(ctx context.Context, o *GradeOptions) error {
	if o.Watch {
		return watchRun(ctx, o)
	}
	prog := cmdutil.NewProgress(o.IO)
	rep, err := workshop.Grade(ctx, o.options(prog))
	prog.Done()
	if err != nil {
		return err
	}
	if o.OnGrade != nil {
		o.OnGrade(rep)
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := renderGrade(o.IO.Out, rep, newStyle(o.IO)); err != nil {
		return err
	}
	if o.Submit != "" {
		if err := workshop.Submit(ctx, o.Submit, o.Token, rep); err != nil {
			return err
		}
		o.IO.Statusf("submitted to %s as %s\n", o.Submit, o.Name)
	}
	return gradeVerdict(rep)
}

func gradeVerdict(rep *workshop.Report) error {
	failed := 0
	for _, e := range rep.Exercises {
		if e.Status == workshop.StatusFail {
			failed++
		}
	}
	if failed > 0 {
		return &cmdutil.GateError{Reason: fmt.Sprintf("%d of %d exercises fail", failed, len(rep.Exercises))}
	}
	return nil
}

// watchRun grades on every save until Ctrl-C. On a terminal the view is
// redrawn in place; otherwise each grade is printed after the last.
func watchRun(ctx context.Context, o *GradeOptions) error {
	st := newStyle(o.IO)
	var mu sync.Mutex
	n := 0
	err := workshop.Watch(ctx, o.options(nil), o.Interval, func(rep *workshop.Report, err error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		// One frame, written at once; a closed terminal ends the watch through ctx.
		var w strings.Builder
		if o.IO.IsStdoutTTY() {
			w.WriteString("\x1b[H\x1b[2J")
		} else if n > 1 {
			w.WriteString("\n")
		}
		if err != nil {
			w.WriteString("grade " + strconv.Itoa(n) + " failed: " + cmdutil.Message(err) + "\n")
		} else {
			_ = renderGrade(&w, rep, st) // a strings.Builder does not fail
			if o.Submit != "" {
				if serr := workshop.Submit(ctx, o.Submit, o.Token, rep); serr != nil {
					w.WriteString("submit: " + cmdutil.Message(serr) + "\n")
				}
			}
			if o.OnGrade != nil {
				o.OnGrade(rep)
			}
		}
		w.WriteString(st.dim("·") + " grade " + strconv.Itoa(n) + " at " + time.Now().Format("15:04:05") + " — watching for saves, Ctrl-C to stop\n")
		_, _ = io.WriteString(o.IO.Out, w.String())
	})
	if ctx.Err() != nil {
		return nil // Ctrl-C is how a watch ends
	}
	return err
}

type style struct{ color bool }

func newStyle(ios *iostreams.IOStreams) style { return style{color: ios.ColorEnabled()} }

func (s style) wrap(code, t string) string {
	if !s.color {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}
func (s style) green(t string) string  { return s.wrap("32", t) }
func (s style) red(t string) string    { return s.wrap("31", t) }
func (s style) yellow(t string) string { return s.wrap("33", t) }
func (s style) dim(t string) string    { return s.wrap("2", t) }
func (s style) bold(t string) string   { return s.wrap("1", t) }

// renderGrade prints a grade for a person at a terminal.
func renderGrade(w io.Writer, rep *workshop.Report, st style) error {
	graded := 0
	for _, e := range rep.Exercises {
		if e.Status != workshop.StatusSkipped {
			graded++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %d of %d exercises pass", st.bold("gocap workshop"), rep.Passed(), graded)
	if skipped := len(rep.Exercises) - graded; skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", skipped)
	}
	fmt.Fprintf(&b, " (graded in %s)\n\n", workshop.Duration(float64(rep.DurationMS)/1000))
	for _, e := range rep.Exercises {
		switch e.Status {
		case workshop.StatusPass:
			green := ""
			if e.TimeToGreenS != nil {
				green = st.dim(" green after " + workshop.Duration(*e.TimeToGreenS))
			}
			fmt.Fprintf(&b, "%s %-14s %s%s\n", st.green("✓"), e.ID, e.Title, green)
		case workshop.StatusSkipped:
			fmt.Fprintf(&b, "%s %-14s %s\n", st.yellow("–"), e.ID, st.dim("skipped: "+e.Reason))
		default:
			fmt.Fprintf(&b, "%s %-14s %s %s\n", st.red("✗"), e.ID, e.Title, st.dim(fmt.Sprintf("(attempt %d)", e.Attempts)))
			for _, c := range e.Criteria {
				mark := st.green("✓")
				if !c.OK {
					mark = st.red("✗")
				}
				line := fmt.Sprintf("    %s %s: %s", mark, c.Name, c.Measured)
				if !c.OK {
					line += st.dim(" (want " + c.Want + ")")
				}
				b.WriteString(line + "\n")
			}
			for i, h := range e.Hints {
				fmt.Fprintf(&b, "    %s %s\n", st.yellow(fmt.Sprintf("hint %d/%d:", i+1, len(workshop.Hints(e.ID)))), h)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
