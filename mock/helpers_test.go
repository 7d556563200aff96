package mock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

var loadSpec = sync.OnceValue(func() *spec.Spec { return spec.Load(context.Background()) })

// newServer builds a mock on the embedded spec and default fixtures.
func newServer(t testing.TB, cfg mock.Config) *mock.Server {
	t.Helper()
	sp := loadSpec()
	fx, err := fixtures.Default()
	require.NoError(t, err)
	s, err := mock.New(sp, fx, cfg)
	require.NoError(t, err)
	return s
}

// fixedClock is 2022-02-22T20:34:01.386+08:00, the instant of the documents' example.
func fixedClock() time.Time { return time.Date(2022, 2, 22, 12, 34, 1, 386_000_000, time.UTC) }

// req is a create_set call, described once and sent through either surface.
type req struct {
	surface string         // "esb" or "v3"
	lang    string         // the language header's value; "" sends none
	biz     any            // ESB's bk_biz_id, or the v3 path segment (formatted with %v)
	data    any            // the set fields
	creds   map[string]any // overrides of the default credentials; a nil value removes the key
	top     map[string]any // ESB: overrides of top-level keys; a nil value removes the key
	body    *string        // the raw body, replacing everything above
	headers map[string]string
}

var defaultCreds = map[string]any{"bk_app_code": "esb_test", "bk_app_secret": "xxx", "bk_username": "alice"}

func (r req) merged(base, over map[string]any) map[string]any {
	m := map[string]any{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return m
}

func (r req) httpRequest(t testing.TB) *http.Request {
	t.Helper()
	creds := r.merged(defaultCreds, r.creds)
	var hr *http.Request
	switch r.surface {
	case "esb":
		body := r.body
		if body == nil {
			top := r.merged(creds, map[string]any{"bk_biz_id": r.biz, "data": r.data})
			top = r.merged(top, r.top)
			b, err := json.Marshal(top)
			require.NoError(t, err)
			s := string(b)
			body = &s
		}
		hr = httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(*body))
		if r.lang != "" {
			hr.Header.Set("Blueking-Language", r.lang)
		}
	case "v3":
		body := r.body
		if body == nil {
			b, err := json.Marshal(r.data)
			require.NoError(t, err)
			s := string(b)
			body = &s
		}
		hr = httptest.NewRequest(http.MethodPost, fmt.Sprintf("/api/v3/set/%v", r.biz), strings.NewReader(*body))
		if len(creds) > 0 {
			auth, err := json.Marshal(creds)
			require.NoError(t, err)
			hr.Header.Set("X-Bkapi-Authorization", string(auth))
		}
		if r.lang != "" {
			// Both releases' headers, as a client that does not know the release sends them;
			// TestV3LanguageHeaderPerRelease holds which one each release reads.
			hr.Header.Set("X-Bkapi-Language", r.lang)
			hr.Header.Set("X-Bkcmdb-Language", r.lang)
		}
	default:
		t.Fatalf("unknown surface %q", r.surface)
	}
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	return hr
}

// reply is a decoded answer, with the raw body and the keys present.
type reply struct {
	Status     int
	Header     http.Header
	Raw        []byte
	Keys       map[string]json.RawMessage
	Order      []string        // the top-level keys in the order they came
	Result     bool            `json:"result"`
	Code       int             `json:"code"`
	Message    string          `json:"message"`
	Permission json.RawMessage `json:"permission"`
	RequestID  string          `json:"request_id"`
	Data       map[string]any  `json:"-"` // data, when it is an object
}

func send(t testing.TB, h http.Handler, hr *http.Request) reply {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, hr)
	r := reply{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	dec := json.NewDecoder(bytes.NewReader(r.Raw))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&r), "body: %s", r.Raw)
	require.NoError(t, json.Unmarshal(r.Raw, &r.Keys))
	if data := r.Keys["data"]; len(data) > 0 && data[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&r.Data))
	}
	r.Order = jsonx.TopKeys(r.Raw)
	// The API server's own answers on v3 keep CMDB's names of the code and message.
	if raw, ok := r.Keys["bk_error_code"]; ok {
		require.NoError(t, json.Unmarshal(raw, &r.Code))
		require.NoError(t, json.Unmarshal(r.Keys["bk_error_msg"], &r.Message))
	}
	return r
}

func (r req) send(t testing.TB, h http.Handler) reply { return send(t, h, r.httpRequest(t)) }

// servedDocument is the document s serves at /openapi.yaml, checked to be a valid one (with
// opts, such as openapi3.DisableExamplesValidation()).
func servedDocument(t *testing.T, s http.Handler, opts ...openapi3.ValidationOption) *openapi3.T {
	t.Helper()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, mock.PathOpenAPI, nil))
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background(), opts...))
	return doc
}

func defaultFixtures(t testing.TB) *fixtures.Fixtures {
	t.Helper()
	fx, err := fixtures.Default()
	require.NoError(t, err)
	return fx
}
