package mock

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultJournalSize is how many requests the journal keeps when Config.JournalSize is zero.
const DefaultJournalSize = 1000

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
	ring   []Entry
	next   int   // where the next entry goes
	full   bool  // the ring has wrapped
	lastID int64 // ids keep counting across clears
}

func newJournal(size int) *Journal {
	return &Journal{ring: make([]Entry, size)}
}

func (j *Journal) add(e Entry) {
	if len(e.rawBody) > journalBodyLimit {
		e.rawBody = append([]byte(nil), e.rawBody[:journalBodyLimit]...)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastID++
	e.ID = j.lastID
	j.ring[j.next] = e
	j.next = (j.next + 1) % len(j.ring)
	if j.next == 0 {
		j.full = true
	}
}

// Entries returns the entries that pass f, newest first.
func (j *Journal) Entries(f JournalFilter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
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
		if e.answered {
			code := e.rawCode
			e.Code = &code
		}
		e.Headers, e.Body, e.Response = redactHeaders(e.rawHeaders), redactBody(e.rawBody), string(e.rawResponse)
		if e.rawCreated.ok {
			e.Response = string(e.rawCreated.appendTo(nil))
		}
		e.rawHeaders, e.rawBody, e.rawResponse, e.rawCreated = nil, nil, nil, createdAnswer{}
		out = append(out, e)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

// Clear empties the journal.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.next, j.full = 0, false
}

// secretKeys are never kept or logged as sent.
var secretKeys = []string{"bk_app_secret", "bk_token"}

const maskedValue = "***"

// redactHeaders keeps the headers of a request with the credentials masked.
func redactHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k := range h {
		v := h.Get(k)
		switch http.CanonicalHeaderKey(k) {
		case headerV3Auth:
			v = redactJSON([]byte(v))
		case "Authorization", "Cookie", adminTokenHeader:
			v = maskedValue
		}
		out[k] = v
	}
	return out
}

// redactBody masks the secrets of a JSON or form body; any other body is kept as it came.
func redactBody(body []byte) string {
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "{") {
		return redactJSON(body)
	}
	if q, err := url.ParseQuery(trimmed); err == nil && len(q) > 0 {
		masked := false
		for _, k := range secretKeys {
			if q.Has(k) {
				q.Set(k, maskedValue)
				masked = true
			}
		}
		if masked {
			return q.Encode()
		}
	}
	return string(body)
}

// redactJSON masks secrets in a JSON object at any depth. What does not decode is kept only
// when it holds no secret key at all.
func redactJSON(b []byte) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		for _, k := range secretKeys {
			if strings.Contains(string(b), k) {
				return "(not JSON; withheld: it names " + k + ")"
			}
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
			if slices.Contains(secretKeys, k) {
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
