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

// TestJournalMasksEveryCredential: every form of credential the mock accepts, and the tokens of
// the BlueKing login, are masked in the journal, however they came (the probe's list).
func TestJournalMasksEveryCredential(t *testing.T) {
	const canary = "canary-c0ffee"
	big := strings.Repeat("x", 70<<10)
	cases := []struct {
		name   string
		method string
		path   string
		ctype  string
		body   string
		header map[string]string
	}{
		{"GET query string", http.MethodGet, mock.PathESBCreateSet + "?bk_app_code=a&bk_app_secret=" + canary + "&bk_username=u&bk_biz_id=1", "", "", nil},
		{"form with a semicolon", http.MethodPost, mock.PathESBCreateSet, "application/x-www-form-urlencoded", "bk_app_code=a;bk_app_secret=" + canary, nil},
		{"form with a bad escape", http.MethodPost, mock.PathESBCreateSet, "application/x-www-form-urlencoded", "bk_app_code=%zz&bk_app_secret=" + canary, nil},
		{"form with an escaped key", http.MethodPost, mock.PathESBCreateSet, "application/x-www-form-urlencoded", "bk_app_%73ecret=" + canary, nil},
		{"upper-case key in the v3 header", http.MethodPost, "/api/v3/set/1", "application/json", `{"bk_parent_id":1,"bk_set_name":"up"}`,
			map[string]string{"X-Bkapi-Authorization": `{"bk_app_code":"a","BK_APP_SECRET":"` + canary + `","bk_username":"u"}`}},
		{"escaped key in a body over 64 KiB", http.MethodPost, mock.PathESBCreateSet, "application/json",
			`{"bk_app_code":"a","bk_app_\u0073ecret":"` + canary + `","bk_username":"u","bk_biz_id":1,"data":{"description":"` + big + `"}}`, nil},
		{"secret after 64 KiB", http.MethodPost, mock.PathESBCreateSet, "application/json",
			`{"bk_app_code":"a","bk_biz_id":1,"data":{"description":"` + big + `"},"bk_app_secret":"` + canary + `"}`, nil},
		{"access_token and bk_ticket", http.MethodPost, mock.PathESBCreateSet, "application/json",
			`{"bk_app_code":"a","bk_app_secret":"s","access_token":"` + canary + `","bk_ticket":"` + canary + `","bk_biz_id":1,"data":{}}`, nil},
		{"multipart form", http.MethodPost, mock.PathESBCreateSet, "multipart/form-data; boundary=XyZ",
			"--XyZ\r\nContent-Disposition: form-data; name=\"bk_app_code\"\r\n\r\na\r\n" +
				"--XyZ\r\nContent-Disposition: form-data; name=\"bk_app_secret\"\r\n\r\n" + canary + "\r\n" +
				"--XyZ\r\nContent-Disposition: form-data; name=\"BK_TOKEN\"; filename=\"t.txt\"\r\n\r\n" + canary + "\r\n--XyZ--\r\n", nil},
		{"multipart form cut short", http.MethodPost, mock.PathESBCreateSet, "multipart/form-data; boundary=XyZ",
			"--XyZ\r\nContent-Disposition: form-data; name=\"bk_app_secret\"\r\n\r\n" + canary, nil},
		{"a body with Python's NaN", http.MethodPost, mock.PathESBCreateSet, "application/json",
			`{"bk_app_code":"a","bk_app_secret":"` + canary + `","bk_username":"u","bk_biz_id":1,"data":{"bk_capacity":NaN}}`, nil},
		{"legacy app_secret", http.MethodPost, mock.PathESBCreateSet, "application/json",
			`{"app_code":"a","app_secret":"` + canary + `","bk_biz_id":1,"data":{}}`, nil},
		{"JWT and cookie headers", http.MethodPost, "/api/v3/set/1", "application/json", `{}`,
			map[string]string{"X-Bkapi-Jwt": canary, "Cookie": "bk_token=" + canary}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, mock.Config{MaxBody: 1 << 20})
			hr := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				hr.Header.Set("Content-Type", tc.ctype)
			}
			for k, v := range tc.header {
				hr.Header.Set(k, v)
			}
			s.ServeHTTP(httptest.NewRecorder(), hr)
			var j struct {
				Entries []mock.Entry `json:"entries"`
			}
			require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/journal", "", &j))
			require.Len(t, j.Entries, 1)
			raw, err := json.Marshal(j)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), canary)
			assert.NotContains(t, string(raw), "c0ffee", "not even escaped")
		})
	}
}

// TestJournalKeepsAtMostItsCapPerEntry: what an entry keeps of a large request is bounded by
// the journal's cap, whatever in the request a kept value was cut from (a user name cut out of
// a 1 MiB body kept all of it).
func TestJournalKeepsAtMostItsCapPerEntry(t *testing.T) {
	const entries = 50
	pad := strings.Repeat("p", 1<<20)
	bodies := map[string]func(i int) (string, string){
		"JSON": func(i int) (string, string) {
			return "application/json", fmt.Sprintf(`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"user-%d","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"big-%d","pad":"%s"}}`, i, i, pad)
		},
		"form": func(i int) (string, string) {
			return "application/x-www-form-urlencoded", fmt.Sprintf("bk_app_code=a&bk_app_secret=s&bk_username=user-%d&bk_biz_id=1&pad=%s", i, pad)
		},
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, mock.Config{JournalSize: entries, MaxBody: 2 << 20})
			before := heapAfterGC()
			for i := range entries {
				ctype, b := body(i)
				hr := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(b))
				hr.Header.Set("Content-Type", ctype)
				s.ServeHTTP(httptest.NewRecorder(), hr)
			}
			grown := int64(heapAfterGC()) - int64(before)
			t.Logf("%d entries of 1 MiB requests: the live heap grew by %d bytes", entries, grown)
			assert.Less(t, grown, int64(entries*(64<<10)+(8<<20)), "the journal keeps more than its cap of each request")
			require.Len(t, s.Journal().Entries(mock.JournalFilter{}), entries)
		})
	}
}
