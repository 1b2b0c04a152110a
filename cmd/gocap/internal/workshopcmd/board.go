package workshopcmd

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/gocap/gocap/internal/cmdutil"
	"github.com/gocap/gocap/internal/errwriter"
	"github.com/gocap/gocap/internal/iostreams"
	"github.com/gocap/gocap/internal/workshop"
)

// BoardOptions of gocap workshop board.
type BoardOptions struct {
	IO     *iostreams.IOStreams
	Inputs []string
	Out    string
}

func newBoardCmd(ios *iostreams.IOStreams, runF func(*BoardOptions) error) *cobra.Command {
	o := &BoardOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "board REPORT...|DIR",
		Short: "Render the room on one HTML page: participants × exercises, pass rates, criteria most often failed",
		Long: `Render grade reports (gocap workshop grade --json, or the folder gocap workshop
serve stores them in) as one self-contained HTML page: a participants ×
exercises heatmap (passed, failed, skipped, not tried; time to green on hover),
the pass rate per exercise and the criteria most often failed.`,
		Example: `  gocap workshop board reports/ --out board.html
  gocap workshop board ada.json bob.json > board.html`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.Inputs = args
			if runF != nil {
				return runF(o)
			}
			return boardRun(o)
		},
	}
	cmd.Flags().StringVarP(&o.Out, "out", "o", "", "write the page to this file (default stdout)")
	return cmd
}

func boardRun(o *BoardOptions) error {
	reps, err := workshop.LoadReports(o.Inputs)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := workshop.RenderBoard(&buf, workshop.NewBoard(reps, time.Now())); err != nil {
		return err
	}
	if err := writeOut(o.IO.Out, o.Out, buf.Bytes()); err != nil {
		return err
	}
	if o.Out != "" && o.Out != "-" {
		o.IO.Statusf("wrote %s (%d participants)\n", o.Out, len(reps))
	}
	return nil
}

// ServeOptions of gocap workshop serve.
type ServeOptions struct {
	IO    *iostreams.IOStreams
	Addr  string
	Dir   string
	Token string
	// Ready, when set, receives the listening address and the token (tests).
	Ready func(addr, token string)
}

func newServeCmd(ios *iostreams.IOStreams, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	o := &ServeOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "serve --addr 127.0.0.1:PORT",
		Short: "Collect participants' grades and serve the live board",
		Long: `Collect grade submissions (gocap workshop grade --submit URL --name NAME) and
serve the live board at /. A token for the workshop is printed at start;
submissions must send it as Authorization: Bearer TOKEN. Bodies are checked
against the grade schema and limited to 1 MiB; each participant's latest
report is stored in --dir as NAME.json, written atomically. A wrong token
(401), an oversized (413) or malformed (400) body, or an unknown exercise
(422) changes nothing stored.`,
		Example: `  gocap workshop serve --addr 0.0.0.0:8080 --dir reports`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if o.Addr == "" {
				return cmdutil.Usagef("serve needs --addr HOST:PORT, e.g. --addr 127.0.0.1:8080")
			}
			if _, _, err := net.SplitHostPort(o.Addr); err != nil {
				return cmdutil.Usagef("--addr %s: %v: give HOST:PORT, e.g. 127.0.0.1:8080", o.Addr, err)
			}
			if o.Token == "" {
				o.Token = envToken()
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return serveRun(c.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Addr, "addr", "", "listen address HOST:PORT")
	cmd.Flags().StringVar(&o.Dir, "dir", "workshop-reports", "folder for the stored reports")
	cmd.Flags().StringVar(&o.Token, "token", "", "use this token instead of a fresh one (default $"+TokenEnv+", else random)")
	return cmd
}

func serveRun(ctx context.Context, o *ServeOptions) error {
	if err := workshop.PrepareDir(o.Dir); err != nil {
		return err
	}
	if o.Token == "" {
		t, err := workshop.NewToken()
		if err != nil {
			return cmdutil.Toolf("token: %v", err)
		}
		o.Token = t
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return cmdutil.Usagef("--addr %s: %v", o.Addr, err)
	}
	srv := &workshop.Server{Dir: o.Dir, Token: o.Token, Logf: func(f string, a ...any) {
		o.IO.Statusf("%s submitted: "+f+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
	}}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	url := "http://" + ln.Addr().String()
	ew := errwriter.New(o.IO.Out)
	ew.Printf("gocap workshop serve on %s (reports in %s)\ntoken: %s\nparticipants: %s=%s gocap workshop grade --submit %s --name NAME\nboard: %s/\n",
		url, absOr(o.Dir), o.Token, TokenEnv, o.Token, url, url)
	if err := ew.Err(); err != nil {
		return err
	}
	if o.Ready != nil {
		o.Ready(ln.Addr().String(), o.Token)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return cmdutil.Toolf("serve: %v", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return cmdutil.Toolf("serve shutdown: %v", err)
	}
	return nil // Ctrl-C is how a serve ends
}
