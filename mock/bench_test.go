package mock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cmdbmock/cmdbmock/mock"
)

// BenchmarkCreateSet measures the whole create path through the handler: decode, kin-openapi
// validation, the checks, the store and the envelope, each request with a new name.
func BenchmarkCreateSet(b *testing.B) {
	for _, surface := range []string{"esb", "v3"} {
		b.Run(surface, func(b *testing.B) {
			s := newServer(b, mock.Config{})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				var hr *http.Request
				if surface == "esb" {
					body := fmt.Sprintf(`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"bench-%d","bk_capacity":1000}}`, i)
					hr = httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(body))
				} else {
					body := fmt.Sprintf(`{"bk_parent_id":1,"bk_set_name":"bench-%d","bk_capacity":1000}`, i)
					hr = httptest.NewRequest(http.MethodPost, "/api/v3/set/1", strings.NewReader(body))
					hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}`)
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, hr)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"code":0`) {
					b.Fatalf("create failed: %s", rec.Body)
				}
			}
		})
	}
}
