package diff

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/internal/lazyre"
)

// Replayed is a call of a list to replay, as the mock's journal exports it (GET /__mock/journal):
// the method, the path and query, the headers and the body, secrets masked.
type Replayed struct {
	ID      int64             `json:"id"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   string            `json:"query,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// ReadReplay reads a list of calls: the journal's export ({"entries": [...]}, newest first) or a
// bare list; they are replayed oldest first, each side's caller putting its own app secret where
// a call has it masked.
func ReadReplay(file string) ([]Replayed, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var list []Replayed
	var journal struct {
		Entries []Replayed `json:"entries"`
	}
	if err := json.Unmarshal(data, &journal); err == nil && journal.Entries != nil {
		list = journal.Entries
	} else if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("--calls %s: neither the journal's export nor a list of calls: %w", file, err)
	}
	slices.SortStableFunc(list, func(a, b Replayed) int { return int(a.ID - b.ID) })
	for i := range list {
		if list[i].Method == "" || !strings.HasPrefix(list[i].Path, "/") {
			return nil, fmt.Errorf("--calls %s: call %d has no method or no path", file, i+1)
		}
	}
	return list, nil
}

// replayHeaders are the headers a replayed call keeps: what the CMDB reads.
var replayHeaders = []string{"Content-Type", "X-Bkapi-Authorization", "Blueking-Language", "Accept-Language", "X-Bkapi-Language", "X-Bkcmdb-Language", "Bk-Supplier-Account", "HTTP_BK_SUPPLIER_ACCOUNT"}

// reads are the paths of calls that read.
var reads = lazyre.New(`/(search|find|get)`)

func (r Replayed) send(ctx context.Context, c *contracttest.Caller) (contracttest.Answer, error) {
	header := http.Header{}
	for k, v := range r.Headers {
		if slices.ContainsFunc(replayHeaders, func(h string) bool { return strings.EqualFold(h, k) }) {
			header.Set(k, v)
		}
	}
	path := r.Path
	if r.Query != "" {
		path += "?" + r.Query
	}
	return c.Replay(ctx, r.Method, path, header, r.Body)
}

// replayCalls are the calls of a list; those that read are sent twice to the target.
func replayCalls(list []Replayed) []call {
	out := make([]call, len(list))
	for i := range list {
		r := list[i]
		read := r.Method == http.MethodGet || reads().MatchString(r.Path)
		out[i] = call{name: fmt.Sprintf("#%d %s %s", r.ID, r.Method, r.Path), read: read, sameUser: true, replay: &list[i]}
	}
	return out
}
