package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cmdbmock/cmdbmock/spec"
)

// Sizes of the journal: how many requests it keeps when Config.JournalSize is zero, and at most.
const (
	DefaultJournalSize = 1000
	MaxJournalSize     = 1_000_000
)

// journalBodyLimit bounds the bytes of a body kept in an entry.
const journalBodyLimit = 64 << 10

// Entry is one request in the journal: what came, what went back, what the fidelity rules
// warned about, and how long it took. Secrets are masked.
type Entry struct {
	ID         int64             `json:"id"`
	Time       time.Time         `json:"time"`
	DurationMS float64           `json:"duration_ms"`
	Method     string            `json:"method"`
	Path       string            `json:"path"`
	Query      string            `json:"query,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       string            `json:"body,omitempty"`
	RequestID  string            `json:"request_id,omitempty"`
	User       string            `json:"user,omitempty"`
	BizID      int64             `json:"bk_biz_id,omitempty"`
	Status     int               `json:"status"`
	Code       *int              `json:"code,omitempty"` // the envelope's code; absent when there was none
	Response   string            `json:"response,omitempty"`
	Warnings   []string          `json:"warnings,omitempty"`
	Fault      string            `json:"fault,omitempty"` // the fault rule that fired

	// As they came; masked and copied only when the entry is read, to keep the hot path light.
	rawHeaders  http.Header
	rawBody     []byte
	rawResponse []byte
	rawCreated  createdAnswer // in place of rawResponse for a created set's answer
	rawCode     int           // Code, when answered
	answered    bool
}

// JournalFilter selects entries; zero fields select all.
type JournalFilter struct {
	Path  string // substring of the path
	User  string
	Code  *int
	Limit int
}

// Journal keeps the latest requests in a ring. It is safe for concurrent use.
type Journal struct {
	mu     sync.Mutex
	ring   []Entry // grows as requests come, up to size
	size   int
	next   int   // where the next entry goes
	full   bool  // the ring has wrapped
	lastID int64 // ids keep counting across clears
}

// newJournal keeps the latest size requests; its memory grows with the requests it keeps, not
// with its size.
func newJournal(size int) *Journal {
	return &Journal{size: min(size, MaxJournalSize)}
}

func (j *Journal) add(e Entry) {
	if len(e.rawBody) > journalBodyLimit {
		e.rawBody = append([]byte(nil), e.rawBody[:journalBodyLimit]...)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastID++
	e.ID = j.lastID
	if len(j.ring) < j.size {
		j.ring = append(j.ring, e)
	} else {
		j.ring[j.next] = e
	}
	j.next = (j.next + 1) % j.size
	if j.next == 0 {
		j.full = true
	}
}

// Entries returns the entries that pass f, newest first. The ring is held only while the
// entries are picked; masking them, the costly part, is done after, so that reading a full
// journal holds up no request.
func (j *Journal) Entries(f JournalFilter) []Entry {
	j.mu.Lock()
	n := j.next
	if j.full {
		n = len(j.ring)
	}
	out := []Entry{}
	for i := 0; i < n; i++ {
		e := j.ring[(j.next-1-i+len(j.ring))%len(j.ring)]
		if f.Path != "" && !strings.Contains(e.Path, f.Path) ||
			f.User != "" && e.User != f.User ||
			f.Code != nil && (!e.answered || e.rawCode != *f.Code) {
			continue
		}
		out = append(out, e)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	j.mu.Unlock()
	for i := range out {
		e := &out[i]
		if e.answered {
			code := e.rawCode
			e.Code = &code
		}
		e.Query = redactForm(e.Query)
		e.Headers, e.Body, e.Response = redactHeaders(e.rawHeaders), redactBody(e.rawBody), string(e.rawResponse)
		if e.rawCreated.ok {
			e.Response = string(e.rawCreated.appendTo(nil))
		}
		e.rawHeaders, e.rawBody, e.rawResponse, e.rawCreated = nil, nil, nil, createdAnswer{}
	}
	return out
}

// Clear empties the journal.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.ring, j.next, j.full = j.ring[:0], 0, false
}

// secretKeys name the credentials the mock accepts, and the tokens of the BlueKing login, in
// bodies, query strings and the X-Bkapi-Authorization header: never kept or logged as sent. A key
// matches whatever its case, as encoding/json matches the header's keys.
var secretKeys = []string{"bk_app_secret", "app_secret", "bk_token", "bk_ticket", "access_token"}

// secretHeaders are masked whole.
var secretHeaders = []string{"Authorization", "Cookie", "X-Bkapi-Jwt", adminTokenHeader}

const maskedValue = "***"

func isSecretKey(k string) bool {
	return slices.ContainsFunc(secretKeys, func(s string) bool { return strings.EqualFold(s, k) })
}

// namesSecret reports whether a text that could not be read may hold a secret: it names a
// secret key, or has an escape that could spell one.
func namesSecret(s string) bool {
	lower := strings.ToLower(s)
	return strings.ContainsAny(s, `\%`) || slices.ContainsFunc(secretKeys, func(k string) bool { return strings.Contains(lower, k) })
}

// redactHeaders keeps the headers of a request with the credentials masked.
func redactHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k := range h {
		v := h.Get(k)
		switch ck := http.CanonicalHeaderKey(k); {
		case ck == spec.HeaderAuthorization:
			v = redactJSON([]byte(v))
		case slices.Contains(secretHeaders, ck):
			v = maskedValue
		}
		out[k] = v
	}
	return out
}

// redactBody masks the secrets of a JSON or form body; any other body is kept as it came.
func redactBody(body []byte) string {
	if strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		return redactJSON(body)
	}
	return redactForm(string(body))
}

// redactForm masks the secret values of a query string or form body as ESB reads one: pairs
// split at & or ;, keys unescaped where they can be. A pair whose key does not unescape is
// masked when its raw key could name a secret. Everything else is kept as it came.
func redactForm(form string) string {
	if form == "" {
		return form
	}
	var b strings.Builder
	for i, pair := range strings.FieldsFunc(form, func(r rune) bool { return r == '&' || r == ';' }) {
		if i > 0 {
			b.WriteByte('&')
		}
		key, _, hasValue := strings.Cut(pair, "=")
		unescaped, err := url.QueryUnescape(key)
		if hasValue && (err == nil && isSecretKey(unescaped) || err != nil && namesSecret(key)) {
			b.WriteString(key + "=" + maskedValue)
			continue
		}
		b.WriteString(pair)
	}
	return b.String()
}

// redactJSON masks secrets in a JSON object at any depth. What does not decode (a body cut at
// the journal's limit, say) is kept only when it cannot hold a secret at all.
func redactJSON(b []byte) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		if namesSecret(string(b)) {
			return fmt.Sprintf("(not JSON, %d bytes: withheld, as it may hold a secret)", len(b))
		}
		return string(b)
	}
	maskSecrets(v)
	out, _ := json.Marshal(v)
	return string(out)
}

func maskSecrets(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, inner := range t {
			if isSecretKey(k) {
				t[k] = maskedValue
				continue
			}
			maskSecrets(inner)
		}
	case []any:
		for _, inner := range t {
			maskSecrets(inner)
		}
	}
}
