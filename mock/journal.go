package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/spec"
)

// Sizes of the journal: how many requests it keeps when Config.JournalSize is zero, and at most;
// how many bytes its entries hold at most when Config.JournalBytes is zero.
const (
	DefaultJournalSize  = 1000
	MaxJournalSize      = 1_000_000
	DefaultJournalBytes = 64 << 20
)

// journalLimit bounds each part of a request or answer an entry keeps: the query string, the
// headers, the body, the answer. A part cut at the limit is named in Entry.Cut.
const journalLimit = 64 << 10

// entryOverhead is what an entry holds besides its parts, counted against the journal's bytes.
const entryOverhead = 512

// Entry is one request in the journal: what came, what went back, what the fidelity rules
// warned about, and how long it took. Secrets are masked.
type Entry struct {
	ID         int64             `json:"id"`
	Time       time.Time         `json:"time"`
	DurationMS float64           `json:"duration_ms"`
	Surface    string            `json:"surface"` // esb or v3
	Call       string            `json:"call"`    // the CMDB call, such as create_set
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
	// Cut names what was kept only up to the journal's limit: query, headers, body, response.
	Cut []string `json:"cut,omitempty"`

	// Copies of what came, cut at the limit; masked only when the entry is read, to keep the
	// hot path light. rawHeaders are the request's until the entry is added, which keeps
	// keptHeaders, a copy.
	rawHeaders  http.Header
	keptHeaders headerCopy
	rawBody     []byte
	rawResponse []byte
	rawCreated  createdAnswer // in place of rawResponse for a created set's answer
	rawCode     int           // Code, when answered
	answered    bool
	size        int // the bytes the entry holds, counted against the journal's ceiling
}

// JournalFilter selects entries; zero fields select all.
type JournalFilter struct {
	Path  string // substring of the path
	User  string
	Code  *int
	Limit int
}

// Journal keeps the latest requests, at most size of them and at most maxBytes in all: the
// oldest go first. It is safe for concurrent use.
type Journal struct {
	mu       sync.Mutex
	entries  []Entry // oldest first, from head on
	head     int
	bytes    int
	size     int
	maxBytes int
	lastID   int64 // ids keep counting across clears
}

// newJournal keeps the latest size requests within maxBytes; its memory grows with the
// requests it keeps, not with its size.
func newJournal(size int, maxBytes int64) *Journal {
	return &Journal{size: min(size, MaxJournalSize), maxBytes: int(maxBytes)}
}

// bounded copies an entry's parts out of the request, each cut at the journal's limit: the
// entry then holds nothing of the request and at most a known number of bytes.
func bounded(e Entry) Entry {
	e.Method, e.Path = strings.Clone(cut(e.Method)), strings.Clone(cut(e.Path))
	if len(e.Query) > journalLimit {
		e.Cut = append(e.Cut, "query")
	}
	e.Query = strings.Clone(cut(e.Query))
	if len(e.rawBody) > journalLimit {
		e.Cut = append(e.Cut, "body")
		e.rawBody = append([]byte(nil), e.rawBody[:journalLimit]...)
	}
	if len(e.rawResponse) > journalLimit {
		e.Cut = append(e.Cut, "response")
	}
	// Always a copy: the answer is in a buffer that goes back to its pool with the call.
	e.rawResponse = bytes.Clone(e.rawResponse[:min(len(e.rawResponse), journalLimit)])
	var whole bool
	e.keptHeaders, whole = copyHeaders(e.rawHeaders, journalLimit)
	if e.rawHeaders = nil; !whole {
		e.Cut = append(e.Cut, "headers")
	}
	e.size = entryOverhead + len(e.Method) + len(e.Path) + len(e.Query) + len(e.rawBody) + len(e.rawResponse) +
		len(e.keptHeaders.text) + len(e.User) + len(e.RequestID)
	return e
}

// headerCopy is a request's headers as an entry keeps them: each value after its name (a
// header sent twice, twice), back to back in one buffer, in two allocations whatever their
// number.
type headerCopy struct {
	text []byte
	ends []int // where each name, then its value, ends in text
}

// copyHeaders copies h's names and values, as many as fit in room bytes, in the order of their
// names when they do not all fit; whole says whether all of them did. The names are the map's
// own, so they are read as they are rather than through Header.Get, which would canonicalise
// each again.
func copyHeaders(h http.Header, room int) (c headerCopy, whole bool) {
	total, values := 0, 0
	for k, vs := range h {
		for _, v := range vs {
			total += len(k) + len(v)
		}
		values += len(vs)
	}
	c = headerCopy{text: make([]byte, 0, min(total, room)), ends: make([]int, 0, 2*values)}
	if total <= room {
		for k, vs := range h {
			for _, v := range vs {
				c.add(k, v)
			}
		}
		return c, true
	}
	for _, k := range slices.Sorted(maps.Keys(h)) { // which ones are kept does not hang on map order
		for _, v := range h[k] {
			if len(k)+len(v) > room {
				return c, false
			}
			room -= len(k) + len(v)
			c.add(k, v)
		}
	}
	return c, true
}

func (c *headerCopy) add(name, value string) {
	c.text = append(c.text, name...)
	c.ends = append(c.ends, len(c.text))
	c.text = append(c.text, value...)
	c.ends = append(c.ends, len(c.text))
}

// all yields each header's name and value, a name once for each of its values.
func (c headerCopy) all(yield func(name, value string) bool) {
	start := 0
	for i := 0; i+1 < len(c.ends); i += 2 {
		name, value := string(c.text[start:c.ends[i]]), string(c.text[c.ends[i]:c.ends[i+1]])
		if !yield(name, value) {
			return
		}
		start = c.ends[i+1]
	}
}

// cut is s up to the journal's limit.
func cut(s string) string { return s[:min(len(s), journalLimit)] }

func (j *Journal) add(e Entry) {
	e = bounded(e)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastID++
	e.ID = j.lastID
	j.entries = append(j.entries, e)
	j.bytes += e.size
	for n := len(j.entries) - j.head; n > j.size || j.bytes > j.maxBytes && n > 1; n-- {
		j.bytes -= j.entries[j.head].size
		j.entries[j.head] = Entry{} // let the collector have it
		j.head++
	}
	if j.head > len(j.entries)/2 { // keep the slice from growing with the requests served
		j.entries = append(j.entries[:0], j.entries[j.head:]...)
		clear(j.entries[len(j.entries):cap(j.entries)])
		j.head = 0
	}
}

// Entries returns the entries that pass f, newest first. The ring is held only while the
// entries are picked; masking them, the costly part, is done after, so that reading a full
// journal holds up no request.
func (j *Journal) Entries(f JournalFilter) []Entry {
	j.mu.Lock()
	out := j.pick(f)
	j.mu.Unlock()
	return masked(out)
}

// pick copies the entries that pass f, newest first, into room counted for them first: under
// the lock, one copy of each rather than the copies of a slice grown by append.
func (j *Journal) pick(f JournalFilter) []Entry {
	n := 0
	for i := len(j.entries) - 1; i >= j.head && (f.Limit <= 0 || n < f.Limit); i-- {
		if f.passes(&j.entries[i]) {
			n++
		}
	}
	out := make([]Entry, 0, n)
	for i := len(j.entries) - 1; len(out) < n; i-- {
		if f.passes(&j.entries[i]) {
			out = append(out, j.entries[i])
		}
	}
	return out
}

// passes reports whether e is one the filter asks for.
func (f JournalFilter) passes(e *Entry) bool {
	return (f.Path == "" || strings.Contains(e.Path, f.Path)) &&
		(f.User == "" || e.User == f.User) &&
		(f.Code == nil || e.answered && e.rawCode == *f.Code)
}

// After returns at most limit of the entries after the one of id afterID, oldest first: what a
// reader that has seen up to afterID reads next.
func (j *Journal) After(afterID int64, limit int) []Entry {
	afterID = max(afterID, 0)
	j.mu.Lock()
	// Ids rise one by one along the ring, so the first entry after afterID is found by its id.
	first := j.head
	if n := len(j.entries); n > j.head {
		first = max(j.head, min(n, j.head+int(afterID-j.entries[j.head].ID)+1))
	}
	out := slices.Clone(j.entries[first:min(len(j.entries), first+limit)])
	j.mu.Unlock()
	return masked(out)
}

// masked makes the entries picked from the ring fit to show: codes, and every part masked.
func masked(out []Entry) []Entry {
	for i := range out {
		e := &out[i]
		if e.answered {
			code := e.rawCode
			e.Code = &code
		}
		e.Query = redactForm(e.Query)
		e.Headers, e.Body, e.Response = redactHeaders(e.keptHeaders), redactBody(e.rawBody), string(e.rawResponse)
		if e.rawCreated.ok {
			e.Response = string(e.rawCreated.appendTo(nil))
		}
		e.keptHeaders, e.rawBody, e.rawResponse, e.rawCreated = headerCopy{}, nil, nil, createdAnswer{}
	}
	return out
}

// Clear empties the journal.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.entries, j.head, j.bytes = j.entries[:0], 0, 0
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

// redactHeaders keeps the headers of a request with the credentials masked, each value on its
// own; the values of a header sent more than once are joined as HTTP joins them.
func redactHeaders(h headerCopy) map[string]string {
	out := make(map[string]string, len(h.ends)/2)
	for k, v := range h.all {
		switch ck := http.CanonicalHeaderKey(k); {
		case ck == spec.HeaderAuthorization:
			// An object has its secrets masked; anything else (a bare token, a double-encoded
			// object, a list) is masked whole: it can only be credentials.
			if strings.HasPrefix(strings.TrimSpace(v), "{") {
				v = redactJSON([]byte(v))
			} else {
				v = maskedValue
			}
		case slices.Contains(secretHeaders, ck):
			v = maskedValue
		}
		if before, ok := out[k]; ok {
			v = before + ", " + v
		}
		out[k] = v
	}
	return out
}

// redactBody masks the secrets of a JSON, multipart or form body; any other body is kept as it
// came. A multipart body is told by its first line, a delimiter, whatever the headers kept.
func redactBody(body []byte) string {
	text := string(body)
	switch {
	case strings.HasPrefix(strings.TrimSpace(text), "{"):
		return redactJSON(body)
	case strings.HasPrefix(text, "--"):
		return redactMultipart(text)
	}
	return redactForm(text)
}

// redactForm masks the secret values of a query string or form body as ESB reads one: pairs
// split at & or ;, keys unescaped where they can be. A pair whose key does not unescape is
// masked when its raw key could name a secret. Everything else, the separators included, is
// kept as it came.
func redactForm(form string) string {
	var b strings.Builder
	for form != "" {
		end := strings.IndexAny(form, "&;")
		if end < 0 {
			end = len(form)
		}
		pair := form[:end]
		key, _, hasValue := strings.Cut(pair, "=")
		unescaped, err := url.QueryUnescape(key)
		if hasValue && (err == nil && isSecretKey(unescaped) || err != nil && namesSecret(key)) {
			pair = key + "=" + maskedValue
		}
		b.WriteString(pair)
		b.WriteString(form[end:min(end+1, len(form))])
		form = form[min(end+1, len(form)):]
	}
	return b.String()
}

// redactMultipart masks the values of a multipart body's parts that a secret names (by their
// Content-Disposition's name, files too) and keeps the rest as it came. A part it cannot read
// withholds the whole body when it may hold a secret.
func redactMultipart(body string) string {
	delimiter, _, _ := strings.Cut(body, "\r\n")
	parts := strings.Split(body, delimiter)
	for i, p := range parts {
		head, content, ok := strings.Cut(p, "\r\n\r\n")
		name, named := partName(head)
		switch {
		case !ok || !named:
			if namesSecret(p) {
				return fmt.Sprintf("(multipart, %d bytes: withheld, as it may hold a secret)", len(body))
			}
		case isSecretKey(name):
			end := ""
			if strings.HasSuffix(content, "\r\n") {
				end = "\r\n"
			}
			parts[i] = head + "\r\n\r\n" + maskedValue + end
		}
	}
	return strings.Join(parts, delimiter)
}

// partName is the field a multipart part's headers name.
func partName(head string) (name string, ok bool) {
	for line := range strings.SplitSeq(head, "\r\n") {
		key, value, _ := strings.Cut(line, ":")
		if strings.EqualFold(strings.TrimSpace(key), "Content-Disposition") {
			_, params, err := mime.ParseMediaType(value)
			return params["name"], err == nil && params["name"] != ""
		}
	}
	return "", false
}

// redactJSON masks secrets in a JSON object at any depth. What is not one JSON value (a body cut
// at the journal's limit, or with bytes after its value, which ESB and the gateway refuse too) is
// kept only when it cannot hold a secret at all.
func redactJSON(b []byte) string {
	v, err := decodeJSON(b, jsonx.StdDepth, nil)
	if err != nil {
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
