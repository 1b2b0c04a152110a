package lint

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
)

// go vet starts the vet tool once per run with -V=full and keys every
// cached vet result on the build ID it prints, so the ID must change
// whenever the binary does. unitchecker answers with a SHA-256 of the whole
// executable: for gocap's 56 MB that is about 45 ms of every go vet run,
// most of a run whose results are all cached. The Go linker already wrote a
// build ID whose last part is a hash of the binary's content (the go
// command's own tools are identified by it), so the vet tool prints that
// when the binary has one and leaves the hashing to unitchecker otherwise
// (a binary linked with -buildid= or in a format read here only as ELF).

// printToolID answers -V=full from the Go build ID; false when the binary
// has none (unitchecker's hash answers then).
func printToolID(w io.Writer) bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	id := goBuildID(exe)
	if id == "" {
		return false
	}
	// The go command reads the field after the last "/" of buildID=:
	// the content hash.
	fmt.Fprintf(w, "%s version devel comments-go-here buildID=%s\n", exe, id)
	return true
}

// goBuildID reads the build ID the Go linker leaves in an ELF executable's
// .note.go.buildid section; "" when there is none.
func goBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	data, err := s.Data()
	if err != nil {
		return ""
	}
	return parseBuildIDNote(data, f.ByteOrder)
}

// parseBuildIDNote decodes an ELF note: name size, description size, type
// (4 for the Go build ID), the name "Go" padded to 4 bytes, then the ID.
func parseBuildIDNote(data []byte, bo binary.ByteOrder) string {
	const goBuildIDTag = 4
	if len(data) < 16 {
		return ""
	}
	nameSize, descSize, typ := bo.Uint32(data), bo.Uint32(data[4:]), bo.Uint32(data[8:])
	if nameSize != 4 || typ != goBuildIDTag || !bytes.Equal(data[12:16], []byte("Go\x00\x00")) || uint64(len(data)-16) < uint64(descSize) {
		return ""
	}
	id := string(data[16 : 16+descSize])
	// Last part: a content hash (at least 20 characters of base64).
	if i := strings.LastIndexByte(id, '/'); i < 0 || len(id)-i-1 < 20 {
		return ""
	}
	return id
}
