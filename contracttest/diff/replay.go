package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/cmdbmock/cmdbmock/contracttest"
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

	secret string // the configured app secret, sent where the list has it masked
}

// ReadReplay reads a list of calls: the journal's export ({"entries": [...]}, newest first) or a
// bare list; they are replayed oldest first. secret takes the place of each masked app secret.
func ReadReplay(file, secret string) ([]Replayed, error) {
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
		list[i].secret = secret
	}
	return list, nil
}

// replayHeaders are the headers a replayed call keeps: what the CMDB reads.
var replayHeaders = []string{"Content-Type", "X-Bkapi-Authorization", "Blueking-Language", "Accept-Language", "X-Bkapi-Language", "X-Bkcmdb-Language", "Bk-Supplier-Account", "HTTP_BK_SUPPLIER_ACCOUNT"}

// maskedSecret is a masked app secret in a JSON body or header, maskedForm in a form body or a
// query string.
var (
	maskedSecret = regexp.MustCompile(`"((?:bk_)?app_secret)"\s*:\s*"\*\*\*"`)
	maskedForm   = regexp.MustCompile(`(^|[&;])((?:bk_)?app_secret)=\*\*\*`)
	reads        = regexp.MustCompile(`/(search|find|get)`)
)

func (r Replayed) send(ctx context.Context, c *contracttest.Caller) (contracttest.Answer, error) {
	unmask := func(s string) string {
		quoted, _ := json.Marshal(r.secret)
		s = maskedSecret.ReplaceAllString(s, `"$1":`+strings.ReplaceAll(string(quoted), "$", "$$"))
		return maskedForm.ReplaceAllString(s, "${1}${2}="+strings.ReplaceAll(url.QueryEscape(r.secret), "$", "$$"))
	}
	header := http.Header{}
	for k, v := range r.Headers {
		if slices.ContainsFunc(replayHeaders, func(h string) bool { return strings.EqualFold(h, k) }) {
			header.Set(k, unmask(v))
		}
	}
	path := r.Path
	if r.Query != "" {
		path += "?" + unmask(r.Query)
	}
	return c.Send(ctx, r.Method, path, header, bytes.NewBufferString(unmask(r.Body)).Bytes())
}

// replayCalls are the calls of a list; those that read are sent twice to the target.
func replayCalls(list []Replayed) []call {
	out := make([]call, len(list))
	for i := range list {
		r := list[i]
		read := r.Method == http.MethodGet || reads.MatchString(r.Path)
		out[i] = call{name: fmt.Sprintf("#%d %s %s", r.ID, r.Method, r.Path), read: read, sameUser: true, replay: &list[i]}
	}
	return out
}
