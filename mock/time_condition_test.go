package mock_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
)

// TestTimeCondition: search_set and search_business take time_condition on v3, as CMDB's core
// service merges it into the condition (bk-cmdb src/common/metadata/common.go:164-227,
// src/common/time/time.go @111e7ac): each rule a field between a start and an end, either left
// out, bk_created_at and bk_updated_at read as create_time and last_time; a time as CMDB reads
// one ("2006-01-02 15:04:05" in the server's zone, or RFC 3339), else the body is not decoded.
// ESB's forms do not forward it.
func TestTimeCondition(t *testing.T) {
	s := newServer(t, mock.Config{Now: fixedClock}) // sets made at 2022-02-22T20:34:01.386+08:00
	createNamed(t, s, "a", "b")
	count := func(tc string) (int, string, json.Number) {
		t.Helper()
		r := v3Call(t, s, http.MethodPost, "/api/v3/set/search/0/1", `{"condition":{"default":0},"time_condition":`+tc+`}`)
		n, _ := r.Data["count"].(json.Number)
		return r.Code, r.Message, n
	}
	rule := func(field, start, end string) string {
		return `{"oper":"and","rules":[{"field":"` + field + `","start":` + start + `,"end":` + end + `}]}`
	}
	for _, tc := range []struct {
		time string
		want json.Number
	}{
		{rule("create_time", `"2022-02-22 20:00:00"`, `"2022-02-22 21:00:00"`), "2"},
		{rule("create_time", `"2022-02-22 21:00:00"`, `null`), "0"},
		{rule("create_time", `null`, `"2022-02-22 20:00:00"`), "0"},
		{rule("create_time", `null`, `"2022-02-22 21:00:00"`), "2"},
		{rule("bk_created_at", `"2022-02-22 20:00:00"`, `null`), "2"},
		{rule("bk_updated_at", `"2022-02-22 21:00:00"`, `null`), "0"},
		{rule("create_time", `"2022-02-22T12:00:00Z"`, `null`), "2"},
		{rule("create_time", `"2022-02-22T20:34:01.386+08:00"`, `"2022-02-22T20:34:01.386+08:00"`), "2"},
		{rule("bk_set_name", `"2022-02-22 20:00:00"`, `null`), "0"}, // a string is no date
		{`null`, "2"},
	} {
		code, msg, n := count(tc.time)
		assert.Equal(t, 0, code, "%s: %s", tc.time, msg)
		assert.Equal(t, tc.want, n, tc.time)
	}
	for _, tc := range []struct {
		time, msg string
		code      int
	}{
		{`{"oper":"or","rules":[{"field":"create_time","start":"2022-02-22 20:00:00"}]}`, "time condition oper is invalid", 1199006},
		{`{"oper":"and","rules":[]}`, "time condition rules not set", 1199010},
		{`{"oper":"and"}`, "time condition rules not set", 1199010},
		{rule("", `"2022-02-22 20:00:00"`, `null`), "time condition field not set", 1199010},
		{rule("create_time", `null`, `null`), "time condition start and end both not set", 1199006},
		{`5`, "Deserializing JSON data failed", 1199000},
		{`{"oper":"and","rules":{}}`, "Deserializing JSON data failed", 1199000},
		{rule("create_time", `1620000000`, `null`), "Deserializing JSON data failed", 1199000},
		{rule("create_time", `"2021-05-13"`, `null`), "Deserializing JSON data failed", 1199000},
	} {
		code, msg, _ := count(tc.time)
		assert.Equal(t, tc.code, code, tc.time)
		assert.Equal(t, tc.msg, msg, tc.time)
	}

	// search_business merges it with its own condition.
	r := v3Call(t, s, http.MethodPost, "/api/v3/biz/search/0", `{"time_condition":`+rule("create_time", `null`, `"2000-01-01 00:00:00"`)+`}`)
	require.True(t, r.Result, "%s", r.Raw)
	assert.Equal(t, json.Number("0"), r.Data["count"])
	r = v3Call(t, s, http.MethodPost, "/api/v3/biz/search/0", `{"time_condition":{"oper":"or","rules":[]}}`)
	assert.Equal(t, 1199006, r.Code)
	assert.Equal(t, "time condition oper is invalid", r.Message)

	// ESB's forms leave it out, however it is made.
	for _, call := range []string{mock.PathESBSearchSet, mock.PathESBSearchBusiness} {
		r = esbCall(t, s, call, map[string]any{"bk_biz_id": 1, "time_condition": map[string]any{"oper": "or"}})
		assert.True(t, r.Result, "%s: %s", call, r.Raw)
	}
}
