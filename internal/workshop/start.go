package workshop

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gocap/gocap/internal/atomicfile"
	"github.com/gocap/gocap/internal/cmdutil"
)

// starter is the module `gocap workshop start` writes. go.mod and go.sum
// are stored as go.mod.txt and go.sum.txt (a go.mod would make the folder a
// module of its own, which go:embed refuses), and the folder's leading
// underscore keeps the go command from building the broken code as part of
// gocap.
//
//go:embed all:_starter
var starter embed.FS

const starterRoot = "_starter"

// StateDir is the folder in a workshop module holding gocap's own state
// (start time, attempts, time to green).
const StateDir = ".gocap-workshop"

// ErrUsage marks errors caused by the caller's input (exit 2).
var ErrUsage = cmdutil.ErrUsage

// StartResult says what Start wrote.
type StartResult struct {
	Dir       string   // absolute
	Written   []string // files written, slash paths relative to Dir
	Kept      []string // files that existed and differ: left as they were
	Exercises []string
}

// shared are the starter files every workshop gets whatever the selection.
func shared(name string) bool {
	return !strings.Contains(name, "/") || strings.HasPrefix(name, "internal/")
}

// exerciseOf returns the exercise folder a starter file belongs to ("" for shared).
func exerciseOf(name string) string {
	if shared(name) {
		return ""
	}
	dir, _, _ := strings.Cut(name, "/")
	return dir
}

// diskName maps a starter file name to the name written on disk.
func diskName(name string) string {
	switch name {
	case "go.mod.txt":
		return "go.mod"
	case "go.sum.txt":
		return "go.sum"
	}
	return name
}

// StarterFiles returns the starter module's files: disk name → content.
func StarterFiles() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(starter, starterRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := starter.ReadFile(p)
		if err != nil {
			return err
		}
		out[diskName(strings.TrimPrefix(p, starterRoot+"/"))] = b
		return nil
	})
	return out, err
}

// CheckIDs validates a list of exercise IDs (empty: all).
func CheckIDs(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return IDs(), nil
	}
	var out []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if _, ok := Find(id); !ok {
			return nil, fmt.Errorf("%w: unknown exercise %q: known exercises are %s (gocap workshop list)", ErrUsage, id, strings.Join(IDs(), ","))
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// Start writes the starter module into dir with the exercises ids (all when
// empty). A dir that exists and is not empty is refused unless force; with
// force only missing files are written: a file that exists is never
// replaced, so a participant's edits survive. Files are written atomically.
func Start(dir string, ids []string, force bool, now time.Time) (*StartResult, error) {
	ids, err := CheckIDs(ids)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(abs); err == nil {
		if !st.IsDir() {
			return nil, fmt.Errorf("%w: %s is a file: give a folder to start the workshop in", ErrUsage, dir)
		}
		ents, err := os.ReadDir(abs)
		if err != nil {
			return nil, fmt.Errorf("%w: cannot read %s: %w", ErrUsage, dir, err)
		}
		if len(ents) > 0 && !force {
			return nil, fmt.Errorf("%w: %s is not empty: pick a new folder, or add --force to write only the files that are missing (existing files are never replaced)", ErrUsage, dir)
		}
	}
	files, err := StarterFiles()
	if err != nil {
		return nil, err
	}
	res := &StartResult{Dir: abs, Exercises: ids}
	names := make([]string, 0, len(files))
	for n := range files {
		if ex := exerciseOf(n); ex == "" || slices.Contains(ids, ex) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		p := filepath.Join(abs, filepath.FromSlash(n))
		if old, err := os.ReadFile(p); err == nil {
			if string(old) != string(files[n]) {
				res.Kept = append(res.Kept, n)
			}
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("%w: %s: %w", ErrUsage, p, err)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return res, err
		}
		if err := atomicfile.Write(p, files[n], 0o644); err != nil {
			return res, err
		}
		res.Written = append(res.Written, n)
	}
	st, err := LoadState(abs)
	if err != nil {
		return res, err
	}
	if st.Started.IsZero() {
		st.Started = now.UTC()
		if err := st.Save(abs); err != nil {
			return res, err
		}
	}
	return res, nil
}

// goalTests returns the embedded goal test files of an exercise (name
// relative to the module root → content).
func goalTests(e Exercise) map[string][]byte {
	out := map[string][]byte{}
	files, err := StarterFiles()
	if err != nil {
		return out
	}
	for n, b := range files {
		if exerciseOf(n) == e.ID && strings.HasSuffix(n, "_test.go") && !slices.Contains(e.Editable, path.Base(n)) {
			out[n] = b
		}
	}
	return out
}

// State is a workshop folder's record of attempts.
type State struct {
	Started   time.Time                 `json:"started"`
	Exercises map[string]*ExerciseState `json:"exercises"`
}

// ExerciseState is one exercise's record.
type ExerciseState struct {
	Attempts  int       `json:"attempts"`
	Fails     int       `json:"fails"`
	FirstTry  time.Time `json:"first_try"`
	GreenAt   time.Time `json:"green_at,omitzero"`
	LastState string    `json:"last_status"`
}

func statePath(dir string) string { return filepath.Join(dir, StateDir, "state.json") }

// LoadState reads dir's state (empty when there is none).
func LoadState(dir string) (*State, error) {
	st := &State{Exercises: map[string]*ExerciseState{}}
	b, err := os.ReadFile(statePath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("%w: %s does not parse (%w): remove it to start the record over", ErrUsage, statePath(dir), err)
	}
	if st.Exercises == nil {
		st.Exercises = map[string]*ExerciseState{}
	}
	return st, nil
}

// Save writes the state atomically.
func (s *State) Save(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, StateDir), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, StateDir, ".gitignore"), []byte("*\n"), 0o644); err != nil {
		return err
	}
	return atomicfile.Write(statePath(dir), append(b, '\n'), 0o644)
}
