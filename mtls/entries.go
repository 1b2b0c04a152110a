package mtls

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// Entry is a registration entry: a workload whose attested selectors include
// every one of Selectors gets an X509-SVID for SPIFFEID, like a SPIRE entry.
// Selectors are SPIRE's unix workload attestor selectors: "unix:uid:N",
// "unix:gid:N", "unix:pid:N".
type Entry struct {
	SPIFFEID  string   `json:"spiffe_id"`
	Selectors []string `json:"selectors"`
	// Hint is passed to workloads beside the SVID (optional).
	Hint string `json:"hint,omitempty"`

	id spiffeid.ID
}

// ID returns the entry's parsed SPIFFE ID (valid after ValidateEntries).
func (e Entry) ID() spiffeid.ID { return e.id }

// Caller is an attested workload: the kernel's view of the socket peer.
type Caller struct {
	UID, GID uint32
	PID      int32
}

// Selectors returns the caller's selectors in SPIRE's unix attestor form.
func (c Caller) Selectors() []string {
	return []string{
		"unix:uid:" + strconv.FormatUint(uint64(c.UID), 10),
		"unix:gid:" + strconv.FormatUint(uint64(c.GID), 10),
		"unix:pid:" + strconv.FormatInt(int64(c.PID), 10),
	}
}

// Matches reports whether every selector of the entry is among the caller's.
func (e Entry) Matches(c Caller) bool {
	have := c.Selectors()
	for _, s := range e.Selectors {
		found := false
		for _, h := range have {
			if s == h {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return len(e.Selectors) > 0
}

// ValidateEntries parses every entry's ID and selectors: IDs must belong to
// td and have a non-root path; selectors must be unix:uid|gid|pid:NUMBER.
func ValidateEntries(entries []Entry, td spiffeid.TrustDomain) ([]Entry, error) {
	if len(entries) == 0 {
		return nil, errors.New("no registration entries")
	}
	out := make([]Entry, len(entries))
	for i, e := range entries {
		id, err := spiffeid.FromString(e.SPIFFEID)
		if err != nil {
			return nil, fmt.Errorf("entry %d: spiffe_id %q: %w", i+1, e.SPIFFEID, err)
		}
		if id.TrustDomain() != td {
			return nil, fmt.Errorf("entry %d: spiffe_id %s is not in trust domain %s", i+1, id, td)
		}
		if id.Path() == "" {
			return nil, fmt.Errorf("entry %d: spiffe_id %s needs a path (spiffe://%s/NAME)", i+1, id, td)
		}
		if len(e.Selectors) == 0 {
			return nil, fmt.Errorf("entry %d (%s): no selectors: add one like \"unix:uid:%d\"", i+1, id, os.Getuid())
		}
		for _, s := range e.Selectors {
			if err := checkSelector(s); err != nil {
				return nil, fmt.Errorf("entry %d (%s): %w", i+1, id, err)
			}
		}
		e.id = id
		out[i] = e
	}
	return out, nil
}

func checkSelector(s string) error {
	parts := strings.Split(s, ":")
	if len(parts) != 3 || parts[0] != "unix" || (parts[1] != "uid" && parts[1] != "gid" && parts[1] != "pid") {
		return fmt.Errorf("selector %q: use unix:uid:N, unix:gid:N or unix:pid:N", s)
	}
	if _, err := strconv.ParseUint(parts[2], 10, 32); err != nil {
		return fmt.Errorf("selector %q: %s is not a number", s, parts[2])
	}
	return nil
}

// entriesFile is the JSON layout of an --entries file.
type entriesFile struct {
	Entries []Entry `json:"entries"`
}

// LoadEntries reads registration entries from a JSON file:
//
//	{"entries": [{"spiffe_id": "spiffe://example.org/web", "selectors": ["unix:uid:1000"]}]}
func LoadEntries(path string, td spiffeid.TrustDomain) ([]Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("entries file %s: %w", path, err)
	}
	var f entriesFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("entries file %s: not valid JSON (%w); expected {\"entries\":[{\"spiffe_id\":\"spiffe://%s/NAME\",\"selectors\":[\"unix:uid:N\"]}]}", path, err, td)
	}
	es, err := ValidateEntries(f.Entries, td)
	if err != nil {
		return nil, fmt.Errorf("entries file %s: %w", path, err)
	}
	return es, nil
}

// DefaultEntries returns the entries used without --entries: a server and a
// client identity for the given uid (spiffe://TD/server, spiffe://TD/client).
func DefaultEntries(td spiffeid.TrustDomain, uid int) []Entry {
	sel := []string{"unix:uid:" + strconv.Itoa(uid)}
	es, _ := ValidateEntries([]Entry{
		{SPIFFEID: "spiffe://" + td.Name() + "/server", Selectors: sel},
		{SPIFFEID: "spiffe://" + td.Name() + "/client", Selectors: sel},
	}, td)
	return es
}
