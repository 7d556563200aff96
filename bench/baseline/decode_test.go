package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The handler of --decode answers bench/create_set.lua's call with the fields of the fixed
// answer, the call's own values in the record: the two yardsticks write answers of one shape.
func TestDecodeAnswersTheFixedAnswersFields(t *testing.T) {
	e := echo.New()
	e.POST(createSetPath, decodeCreateSet)
	body := `{"bk_app_code":"bench","bk_app_secret":"bench","bk_username":"bench","bk_biz_id":1,` +
		`"data":{"bk_parent_id":1,"bk_set_name":"run-0-1","bk_capacity":1000,"bk_set_desc":"load test","bk_set_env":"3"}}`
	req := httptest.NewRequest(http.MethodPost, createSetPath, strings.NewReader(body))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	var got, fixed map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.NoError(t, json.Unmarshal([]byte(answer), &fixed))
	assert.Equal(t, keys(fixed), keys(got))
	record := got["data"].(map[string]any)
	assert.Equal(t, keys(fixed["data"].(map[string]any)), keys(record))
	assert.Equal(t, "run-0-1", record["bk_set_name"])
	assert.Equal(t, "load test", record["bk_set_desc"])
	assert.EqualValues(t, 1000, record["bk_capacity"])
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
