package lint

import (
	"encoding/binary"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The vet tool's -V=full answer is the build ID the go command itself reads
// from a binary (go tool buildid), so a rebuilt gocap is a new cache key.
func TestToolIDIsGoBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Fatalf("go tool buildid: %v", err)
	}
	want := strings.TrimSpace(string(out))
	if got := goBuildID(exe); got != want {
		t.Fatalf("goBuildID = %q, go tool buildid = %q", got, want)
	}
	var b strings.Builder
	if !printToolID(&b) {
		t.Fatal("printToolID: no build ID")
	}
	f := strings.Fields(b.String())
	if len(f) != 5 || f[1] != "version" || f[2] != "devel" || f[4] != "buildID="+want {
		t.Fatalf("-V=full = %q: not what the go command parses", b.String())
	}
	// The go command keys on the part after the last slash: the content hash.
	if c := want[strings.LastIndex(want, "/")+1:]; len(c) < 20 {
		t.Fatalf("content part %q too short", c)
	}
}

func TestParseBuildIDNote(t *testing.T) {
	note := func(name string, typ uint32, desc string) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(name)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
		b = binary.LittleEndian.AppendUint32(b, typ)
		return append(append(b, name...), desc...)
	}
	id := "aaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbb/cccccccccccccccccccc/dddddddddddddddddddd"
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"go note", note("Go\x00\x00", 4, id), id},
		{"other type", note("Go\x00\x00", 3, id), ""},
		{"other owner", note("GNU\x00", 4, id), ""},
		{"truncated", note("Go\x00\x00", 4, id)[:40], ""},
		{"no content part", note("Go\x00\x00", 4, "abc"), ""},
		{"short", []byte{1, 2, 3}, ""},
	} {
		if got := parseBuildIDNote(c.data, binary.LittleEndian); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
