package mock

import (
	"net/http"
	"testing"
)

// BenchmarkJournalAdd is what each answered call pays to keep its entry: the copy of its parts,
// headers included, and the ring.
func BenchmarkJournalAdd(b *testing.B) {
	j := newJournal(1000, 64<<20)
	h := http.Header{
		"Host": {"127.0.0.1:8080"}, "User-Agent": {"python-requests/2.31.0"}, "Accept-Encoding": {"gzip, deflate"},
		"Accept": {"*/*"}, "Connection": {"keep-alive"}, "Content-Type": {"application/json"}, "Content-Length": {"171"},
	}
	body := []byte(`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"bench","bk_capacity":1000}}`)
	b.ReportAllocs()
	for b.Loop() {
		j.add(Entry{Method: "POST", Path: "/api/c/compapi/v2/cc/create_set/", Status: 200, RequestID: "e43da4ef221746868dc4c837d36f3807",
			User: "u", rawHeaders: h, rawBody: body})
	}
}
