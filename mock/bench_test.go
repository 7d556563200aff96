package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

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
					body := esbCreateSetBody(i)
					hr, _ = http.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(body))
				} else {
					body := fmt.Sprintf(`{"bk_parent_id":1,"bk_set_name":"bench-%d","bk_capacity":1000}`, i)
					hr, _ = http.NewRequest(http.MethodPost, "/api/v3/set/1", strings.NewReader(body))
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

// BenchmarkCreateSetInParallel makes BenchmarkCreateSet's ESB creates from 16 goroutines a
// processor at once, as many clients of one shared mock do; BenchmarkHealthCheckInParallel makes
// the same requests to /healthz. With -cpu 1,2 they show what a second processor buys each.
func BenchmarkCreateSetInParallel(b *testing.B) {
	benchInParallel(b, http.MethodPost, mock.PathESBCreateSet)
}

func BenchmarkHealthCheckInParallel(b *testing.B) {
	benchInParallel(b, http.MethodGet, mock.PathHealth)
}

func benchInParallel(b *testing.B, method, path string) {
	s := newServer(b, mock.Config{})
	var n atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			hr, _ := http.NewRequest(method, path, strings.NewReader(esbCreateSetBody(int(n.Add(1)))))
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, hr)
			if rec.Code != http.StatusOK || (method == http.MethodPost && !strings.Contains(rec.Body.String(), `"code":0`)) {
				b.Errorf("%s failed: %d %s", path, rec.Code, rec.Body)
				return
			}
		}
	})
}

// esbCreateSetBody is the i-th create of BenchmarkCreateSet's ESB case, each of a new name.
func esbCreateSetBody(i int) string {
	return fmt.Sprintf(`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"bench-%d","bk_capacity":1000}}`, i)
}

// BenchmarkHealthCheck makes the requests of BenchmarkCreateSet's ESB case, body and recorder
// alike, to /healthz: what its figures hold besides the create, so that the difference of the
// two is what a create's own work costs.
func BenchmarkHealthCheck(b *testing.B) {
	s := newServer(b, mock.Config{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := esbCreateSetBody(i)
		hr, _ := http.NewRequest(http.MethodGet, mock.PathHealth, strings.NewReader(body))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		if rec.Code != http.StatusOK {
			b.Fatalf("health check failed: %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkCreateModule measures create_module through the handler on ESB, as a client makes
// the modules of a set it made: each request a new module of one set.
func BenchmarkCreateModule(b *testing.B) {
	s := newServer(b, mock.Config{})
	setID := createNamed(b, s, "modules")[0]
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := fmt.Sprintf(`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"bk_set_id":%s,"data":{"bk_parent_id":%[1]s,"bk_module_name":"m-%d"}}`, setID, i)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, mock.PathESBCreateModule, strings.NewReader(body)))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"code":0`) {
			b.Fatalf("create failed: %s", rec.Body)
		}
	}
}

// BenchmarkUpdateSet measures update_set through the handler on v3, whose fields lack what a
// create requires: each request a new description of one set.
func BenchmarkUpdateSet(b *testing.B) {
	s := newServer(b, mock.Config{})
	path := fmt.Sprintf("/api/v3/set/1/%s", createNamed(b, s, "updated")[0])
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		hr := httptest.NewRequest(http.MethodPut, path, strings.NewReader(fmt.Sprintf(`{"bk_set_desc":"d-%d"}`, i)))
		hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"code":0`) {
			b.Fatalf("update failed: %s", rec.Body)
		}
	}
}

// BenchmarkStoreMemory creates sets through the handler and reports the live heap each stored
// set costs, after a collection.
func BenchmarkStoreMemory(b *testing.B) {
	const sets = 100_000
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		s := newServer(b, mock.Config{})
		b.StartTimer()
		for i := range sets {
			body := fmt.Sprintf(`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"bench","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"run-0-%d","bk_capacity":1000,"bk_set_desc":"load test","bk_set_env":"3"}}`, i)
			hr, _ := http.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(body))
			s.ServeHTTP(httptest.NewRecorder(), hr)
		}
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if s.Store().Len() != sets+2 {
			b.Fatalf("stored %d sets", s.Store().Len())
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/sets, "heap-bytes/set")
		b.StartTimer()
	}
}

// BenchmarkLongAnswer reads a page of 500 whole sets, an answer of about 300 KB, through the
// handler: what an answer past the journal's limit costs, of which the journal keeps 64 KiB.
func BenchmarkLongAnswer(b *testing.B) {
	s := newServer(b, mock.Config{Populate: 1000})
	body := `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"page":{"start":0,"limit":500}}`
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, mock.PathESBSearchSet, strings.NewReader(body)))
		if rec.Code != http.StatusOK || rec.Body.Len() < 64<<10 {
			b.Fatalf("want a long answer, got %d bytes: %.200s", rec.Body.Len(), rec.Body)
		}
	}
}

// BenchmarkServe times a request in ServeHTTP alone (ns/op), with the processor's caches as the
// last request left them (warm) and emptied before it (cold): in the cold case the code and data
// a request touches come from memory, as they do for a server whose cores run other work between
// two of its requests (its other connections, the kernel's network stack, the VM's neighbours).
// Emptying writes to every line of twice the last-level cache, outside the time measured. Beside
// the mock's calls: the bare Echo of bench/baseline (read the body, answer fixed bytes), and the
// mock's health check.
//
// Warm, the figures say what a call's instructions cost; cold, what the memory it touches costs.
// Under bench/run.sh's load a call costs between the two. Run it with a fixed count:
//
//	go test ./mock -run XXX -bench BenchmarkServe -benchtime 2000x -count 3
func BenchmarkServe(b *testing.B) {
	const searchBusiness = `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","fields":["bk_biz_id","bk_biz_name"],"condition":{"bk_biz_name":"蓝鲸"},"page":{"start":0,"limit":10}}`
	cases := []struct {
		name    string
		handler func(b *testing.B) http.Handler
		request func(i int) *http.Request
	}{
		{"bare_echo", bareEcho, func(i int) *http.Request {
			return httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(esbCreateSetBody(i)))
		}},
		{"health", mockHandler, func(i int) *http.Request {
			return httptest.NewRequest(http.MethodGet, mock.PathHealth, strings.NewReader(esbCreateSetBody(i)))
		}},
		{"create_set", mockHandler, func(i int) *http.Request {
			return httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(esbCreateSetBody(i)))
		}},
		{"search_business", mockHandler, func(int) *http.Request {
			return httptest.NewRequest(http.MethodPost, mock.PathESBSearchBusiness, strings.NewReader(searchBusiness))
		}},
	}
	lines := make([]byte, 2*lastLevelCache())
	for _, caches := range []struct {
		name  string
		empty bool
	}{{"warm", false}, {"cold", true}} {
		for _, tc := range cases {
			b.Run(caches.name+"/"+tc.name, func(b *testing.B) {
				h := tc.handler(b)
				var in time.Duration
				for i := 0; b.Loop(); i++ {
					if caches.empty {
						for j := 0; j < len(lines); j += 64 {
							lines[j]++
						}
					}
					hr, rec := tc.request(i), httptest.NewRecorder()
					start := time.Now()
					h.ServeHTTP(rec, hr)
					in += time.Since(start)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d %s", tc.name, rec.Code, rec.Body)
					}
				}
				b.ReportMetric(float64(in.Nanoseconds())/float64(b.N), "ns/op")
			})
		}
	}
}

func mockHandler(b *testing.B) http.Handler { return newServer(b, mock.Config{}) }

// bareEcho serves create_set as bench/baseline does: it reads the body and answers fixed bytes.
func bareEcho(*testing.B) http.Handler {
	answer := []byte(`{"result":true,"code":0,"data":{"bk_set_id":1},"message":"success","permission":null,"request_id":"0"}`)
	e := echo.New()
	e.POST(mock.PathESBCreateSet, func(c echo.Context) error {
		_, _ = io.Copy(io.Discard, c.Request().Body)
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, answer)
	})
	return e
}

// lastLevelCache is the size of the processor's largest cache in bytes as Linux tells it, and
// 32 MiB at the least.
func lastLevelCache() int {
	size := 32 << 20
	for i := 0; ; i++ {
		text, err := os.ReadFile("/sys/devices/system/cpu/cpu0/cache/index" + strconv.Itoa(i) + "/size")
		if err != nil {
			return size
		}
		s, unit := strings.TrimSpace(string(text)), 1
		if k, ok := strings.CutSuffix(s, "K"); ok {
			s, unit = k, 1<<10
		} else if m, ok := strings.CutSuffix(s, "M"); ok {
			s, unit = m, 1<<20
		}
		if n, err := strconv.Atoi(s); err == nil {
			size = max(size, n*unit)
		}
	}
}
