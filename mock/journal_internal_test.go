package mock

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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

// BenchmarkJournalEntries reads a full journal of the default size whole, as
// GET /__mock/journal does: the entries are copied under the lock that every call's journalling
// takes, then masked outside it.
func BenchmarkJournalEntries(b *testing.B) {
	j := newJournal(DefaultJournalSize, 64<<20)
	h := http.Header{"Content-Type": {"application/json"}, "X-Bkapi-Authorization": {`{"bk_app_code":"a","bk_app_secret":"b"}`}}
	body := []byte(`{"bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"bench"}}`)
	for range DefaultJournalSize {
		j.add(Entry{Method: "POST", Path: "/api/c/compapi/v2/cc/create_set/", Status: 200, User: "u", rawHeaders: h, rawBody: body})
	}
	b.ReportAllocs()
	for b.Loop() {
		if got := j.Entries(JournalFilter{}); len(got) != DefaultJournalSize {
			b.Fatal(len(got))
		}
	}
}

// TestPickIsTheFilteredNewestFirst: the journal's entries that pass a filter, newest first, at
// most its limit, for filters of each kind and their mixes, against the entries walked one by one.
func TestPickIsTheFilteredNewestFirst(t *testing.T) {
	j := newJournal(100, 64<<20)
	paths := []string{"/api/c/compapi/v2/cc/create_set/", "/api/v3/set/2", "/api/c/compapi/v2/cc/search_set/"}
	users := []string{"alice", "bob"}
	for i := range 40 {
		e := Entry{Method: "POST", Path: paths[i%3], User: users[i%2], Status: 200}
		if i%5 != 0 {
			e.answered, e.rawCode = true, []int{0, 1199006}[i%2]
		}
		j.add(e)
	}
	code0, code6 := 0, 1199006
	for _, f := range []JournalFilter{
		{}, {Limit: 1}, {Limit: 7}, {Limit: 1000}, {Path: "create_set"}, {Path: "set", Limit: 3}, {Path: "nothing"},
		{User: "bob"}, {User: "bob", Limit: 2}, {Code: &code0}, {Code: &code6, Path: "/api/v3/"}, {Code: &code0, User: "alice", Limit: 4},
	} {
		var want []int64
		for i := len(j.entries) - 1; i >= j.head; i-- {
			e := j.entries[i]
			if strings.Contains(e.Path, f.Path) && (f.User == "" || e.User == f.User) &&
				(f.Code == nil || e.answered && e.rawCode == *f.Code) && (f.Limit == 0 || len(want) < f.Limit) {
				want = append(want, e.ID)
			}
		}
		got := []int64{}
		for _, e := range j.pick(f) {
			got = append(got, e.ID)
		}
		assert.Equal(t, append([]int64{}, want...), got, "%+v", f)
	}
}
