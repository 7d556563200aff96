package mock_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

// TestAdminAPIKeepsItsDocument: every answer of the admin API, errors included, is what
// spec/admin.yaml says, as contracttest holds the CMDB routes to spec/openapi.yaml, and a
// request the document refuses is refused with 400.
func TestAdminAPIKeepsItsDocument(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(spec.AdminDocument())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)

	state := filepath.Join(t.TempDir(), "state.json")
	withState := newServer(t, mock.Config{StateFile: state})
	plain := newServer(t, mock.Config{})
	cases := []struct {
		name, method, path, body string
		s                        http.Handler
		header                   map[string]string
		want                     int
	}{
		{"sets", http.MethodGet, "/__mock/sets?bk_biz_id=1", "", plain, nil, 200},
		{"sets, a bad filter", http.MethodGet, "/__mock/sets?bk_biz_id=x", "", plain, nil, 400},
		{"sets, a page", http.MethodGet, "/__mock/sets?start=1&limit=1", "", plain, nil, 200},
		{"sets, too large a page", http.MethodGet, "/__mock/sets?limit=10001", "", plain, nil, 400},
		{"reset", http.MethodPost, "/__mock/reset", "", plain, nil, 200},
		{"journal", http.MethodGet, "/__mock/journal?limit=5", "", plain, nil, 200},
		{"journal, a bad code", http.MethodGet, "/__mock/journal?code=x", "", plain, nil, 400},
		{"clear the journal", http.MethodDelete, "/__mock/journal", "", plain, nil, 204},
		{"add a fault", http.MethodPost, "/__mock/faults", `{"match":{"surface":"esb"},"code":1306201,"message":"Request backend service failed","times":1}`, plain, nil, 201},
		{"add a bad fault", http.MethodPost, "/__mock/faults", `{"nope":1}`, plain, nil, 400},
		{"faults", http.MethodGet, "/__mock/faults", "", plain, nil, 200},
		{"delete a missing fault", http.MethodDelete, "/__mock/faults/nope", "", plain, nil, 404},
		{"clear the faults", http.MethodDelete, "/__mock/faults", "", plain, nil, 204},
		{"place hosts", http.MethodPut, "/__mock/modules/4/hosts", `{"hosts":3}`, plain, nil, 200},
		{"place hosts in no module", http.MethodPut, "/__mock/modules/999/hosts", `{"hosts":3}`, plain, nil, 404},
		{"place fewer than no hosts", http.MethodPut, "/__mock/modules/4/hosts", `{"hosts":-1}`, plain, nil, 400},
		{"place hosts, a bad body", http.MethodPut, "/__mock/modules/4/hosts", `{"hosts":1,"more":2}`, plain, nil, 400},
		{"place hosts, no number", http.MethodPut, "/__mock/modules/4/hosts", `{}`, plain, nil, 400},
		{"place hosts, a bad module id", http.MethodPut, "/__mock/modules/x/hosts", `{"hosts":1}`, plain, nil, 400},
		{"place hosts from a form", http.MethodPut, "/__mock/modules/4/hosts", `{"hosts":1}`, plain, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"snapshot without a state file", http.MethodPost, "/__mock/snapshot", "", plain, nil, 409},
		{"snapshot", http.MethodPost, "/__mock/snapshot", "", withState, nil, 200},
		{"the document", http.MethodGet, "/__mock/openapi.yaml", "", plain, nil, 200},
		{"status", http.MethodGet, "/__mock/status", "", plain, nil, 200},
		{"topology", http.MethodGet, "/__mock/topology?bk_biz_id=2&lang=en", "", plain, nil, 200},
		{"topology without a business", http.MethodGet, "/__mock/topology", "", plain, nil, 400},
		{"topology of no business", http.MethodGet, "/__mock/topology?bk_biz_id=99", "", plain, nil, 404},
		{"journal, a negative limit", http.MethodGet, "/__mock/journal?limit=-1", "", plain, nil, 400},
		{"journal stream, a bad cursor", http.MethodGet, "/__mock/journal/stream?after=x", "", plain, nil, 400},
		{"journal stream, a negative cursor", http.MethodGet, "/__mock/journal/stream?after=-1", "", plain, nil, 400},
		{"sets, a negative start", http.MethodGet, "/__mock/sets?start=-1", "", plain, nil, 400},
		{"from another origin", http.MethodGet, "/__mock/sets", "", plain, map[string]string{"Origin": "http://evil.example"}, 403},
		{"reset from a form", http.MethodPost, "/__mock/reset", "", plain, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hr := adminRequest(tc.method, tc.path, tc.body)
			for k, v := range tc.header {
				hr.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			tc.s.ServeHTTP(rec, hr)
			require.Equal(t, tc.want, rec.Code, "%s", rec.Body)

			route, params, err := router.FindRoute(hr)
			require.NoError(t, err)
			req := &openapi3filter.RequestValidationInput{Request: adminRequest(tc.method, tc.path, tc.body), PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if err := openapi3filter.ValidateRequest(context.Background(), req); err != nil && tc.header == nil {
				assert.Equal(t, http.StatusBadRequest, rec.Code, "the document refuses the request (%v), the mock took it", err)
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route},
				Status:                 rec.Code,
				Header:                 rec.Header(),
				Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
			}
			in.SetBodyBytes(rec.Body.Bytes())
			assert.NoError(t, openapi3filter.ValidateResponse(context.Background(), in))
		})
	}
}
