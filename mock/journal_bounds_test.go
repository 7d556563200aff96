package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
)

// TestJournalKeepsABoundedCopy: an answer, a query string and headers are each kept up to the
// journal's limit and marked as cut, and the journal's memory has a ceiling whatever the
// answers weigh (reference: the journal is the mock's, not CMDB's).
func TestJournalKeepsABoundedCopy(t *testing.T) {
	s := newServer(t, mock.Config{Populate: 3000, MaxPage: 10_000, JournalBytes: 8 << 20, MaxHeaderBytes: 1 << 20})
	search := `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2}`
	hr := httptest.NewRequest(http.MethodPost, mock.PathESBSearchSet, strings.NewReader(search))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, hr)
	require.Greater(t, rec.Body.Len(), 256<<10, "an answer over the journal's limit")

	before := heapAfterGC()
	for range 60 {
		hr := httptest.NewRequest(http.MethodPost, mock.PathESBSearchSet, strings.NewReader(search))
		s.ServeHTTP(httptest.NewRecorder(), hr)
	}
	grown := int64(heapAfterGC()) - int64(before)
	assert.Less(t, grown, int64(16<<20), "60 answers of %d bytes kept %d bytes", rec.Body.Len(), grown)

	entries := s.Journal().Entries(mock.JournalFilter{Limit: 1})
	require.Len(t, entries, 1)
	assert.LessOrEqual(t, len(entries[0].Response), 64<<10)
	assert.Contains(t, entries[0].Cut, "response")

	long := strings.Repeat("q", 200<<10)
	hr = httptest.NewRequest(http.MethodGet, mock.PathESBGetMainlineObjectTopo+"?bk_app_code=a&bk_app_secret=b&bk_username=u&x="+long, nil)
	for i := range 60 {
		hr.Header.Set(fmt.Sprintf("X-Filler-%d", i), strings.Repeat("h", 1500))
	}
	s.ServeHTTP(httptest.NewRecorder(), hr)
	e := s.Journal().Entries(mock.JournalFilter{Limit: 1})[0]
	assert.LessOrEqual(t, len(e.Query), 64<<10+2, "the kept 64 KiB, its secret masked (b is ***)")
	assert.Contains(t, e.Query, "bk_app_secret=***")
	assert.Contains(t, e.Cut, "query")
	headerBytes := 0
	for k, v := range e.Headers {
		headerBytes += len(k) + len(v)
	}
	assert.LessOrEqual(t, headerBytes, 64<<10)
	assert.Equal(t, mock.PathESBGetMainlineObjectTopo, e.Path)
}

// TestJournalKeepsEachAnswerAsItWent: an answer is made in a buffer that the next request uses
// again; the journal keeps each answer as it went, not what a later one wrote over it, and the
// first 64 KiB of one over the limit.
func TestJournalKeepsEachAnswerAsItWent(t *testing.T) {
	s := newServer(t, mock.Config{Populate: 3000, MaxPage: 10_000})
	var sent []string
	for _, body := range []string{
		`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"page":{"start":0,"limit":1}}`,
		`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"page":{"start":5,"limit":3}}`,
		`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2}`,
		`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"page":{"start":1,"limit":1}}`,
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, mock.PathESBSearchSet, strings.NewReader(body)))
		require.Contains(t, rec.Body.String(), `"code":0`)
		sent = append(sent, rec.Body.String())
	}
	entries := s.Journal().Entries(mock.JournalFilter{}) // newest first
	require.Len(t, entries, len(sent))
	for i, e := range entries {
		want := sent[len(sent)-1-i]
		if len(want) > 64<<10 {
			assert.Equal(t, want[:64<<10], e.Response, "the first 64 KiB of answer %d", len(sent)-i)
			assert.Contains(t, e.Cut, "response")
			continue
		}
		assert.Equal(t, want, e.Response, "answer %d", len(sent)-i)
		assert.NotContains(t, e.Cut, "response")
	}
}

// TestJournalMasksAnyCredentialsHeader: X-Bkapi-Authorization that is not a JSON object (a
// double-encoded one, a bare token, a list) is masked whole.
func TestJournalMasksAnyCredentialsHeader(t *testing.T) {
	const canary = "canary-f00d"
	for _, v := range []string{
		`"{\"bk_app_code\":\"a\",\"bk_app_secret\":\"` + canary + `\"}"`,
		canary,
		`["` + canary + `"]`,
		`{"bk_app_code":"a","nested":{"x":"` + canary + `"},"bk_app_secret":"s"}`,
	} {
		s := newServer(t, mock.Config{})
		hr := httptest.NewRequest(http.MethodPost, "/api/v3/set/1", strings.NewReader(`{}`))
		hr.Header.Set("X-Bkapi-Authorization", v)
		s.ServeHTTP(httptest.NewRecorder(), hr)
		e := s.Journal().Entries(mock.JournalFilter{Limit: 1})[0]
		got := e.Headers["X-Bkapi-Authorization"]
		if strings.HasPrefix(v, "{") {
			assert.Contains(t, got, `"bk_app_secret":"***"`, "an object keeps what is not secret")
			continue
		}
		assert.Equal(t, "***", got, "%s", v)
	}
}

// TestJournalMasksHeadersByAnyCaseOfTheirName: a request made in the same process may hold a
// header under a name net/http would not have written (lower case): the journal keeps its value
// as it keeps any header's, and masks a secret one all the same.
func TestJournalMasksHeadersByAnyCaseOfTheirName(t *testing.T) {
	const canary = "canary-cafe"
	s := newServer(t, mock.Config{})
	hr := httptest.NewRequest(http.MethodPost, "/api/v3/set/1", strings.NewReader(`{}`))
	hr.Header["x-bkapi-authorization"] = []string{`{"bk_app_code":"a","bk_app_secret":"` + canary + `"}`}
	hr.Header["x-custom"] = []string{"kept"}
	s.ServeHTTP(httptest.NewRecorder(), hr)
	e := s.Journal().Entries(mock.JournalFilter{Limit: 1})[0]
	assert.Equal(t, "kept", e.Headers["x-custom"])
	assert.Contains(t, e.Headers["x-bkapi-authorization"], `"bk_app_secret":"***"`)
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), canary)
}

// TestJournalKeepsEveryValueOfAHeader: a header sent more than once is kept with each of its
// values, joined as HTTP joins them (", "), each masked on its own when it is a credential.
func TestJournalKeepsEveryValueOfAHeader(t *testing.T) {
	const canary1, canary2 = "canary-one", "canary-two"
	s := newServer(t, mock.Config{})
	hr := httptest.NewRequest(http.MethodPost, "/api/v3/set/1", strings.NewReader(`{}`))
	hr.Header.Add("X-Custom", "a")
	hr.Header.Add("X-Custom", "b")
	hr.Header.Add("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"`+canary1+`"}`)
	hr.Header.Add("X-Bkapi-Authorization", canary2)
	hr.Header.Add("Cookie", "bk_token="+canary1)
	hr.Header.Add("Cookie", "bk_token="+canary2)
	s.ServeHTTP(httptest.NewRecorder(), hr)
	e := s.Journal().Entries(mock.JournalFilter{Limit: 1})[0]
	assert.Equal(t, "a, b", e.Headers["X-Custom"])
	assert.Equal(t, `{"bk_app_code":"a","bk_app_secret":"***"}, ***`, e.Headers["X-Bkapi-Authorization"])
	assert.Equal(t, "***, ***", e.Headers["Cookie"])
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), canary1)
	assert.NotContains(t, string(raw), canary2)
}
