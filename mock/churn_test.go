package mock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
)

// heapAfterGC is the live heap once the collector has run.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestChurnKeepsMemoryBounded: creating and deleting sets on a store limited to 10 leaves no
// memory behind, whatever the count of cycles: the live heap after 10N cycles is within a small
// constant of the heap after N. --max-sets bounds memory, not only the sets that are live.
func TestChurnKeepsMemoryBounded(t *testing.T) {
	const n = 2000
	s := newServer(t, mock.Config{MaxSets: 10, JournalSize: 100})
	auth := `{"bk_app_code":"esb_test","bk_app_secret":"xxx","bk_username":"alice"}`
	cycle := func(i int) {
		hr := httptest.NewRequest(http.MethodPost, "/api/v3/set/2", strings.NewReader(fmt.Sprintf(`{"bk_parent_id":2,"bk_set_name":"churn-%d","bk_set_desc":"%s"}`, i, strings.Repeat("d", 200))))
		hr.Header.Set("X-Bkapi-Authorization", auth)
		r := send(t, s, hr)
		require.Equal(t, 0, r.Code, "%s", r.Raw)
		id, err := r.Data["bk_set_id"].(interface{ Int64() (int64, error) }).Int64()
		require.NoError(t, err)
		hr = httptest.NewRequest(http.MethodDelete, fmt.Sprintf("/api/v3/set/2/%d", id), nil)
		hr.Header.Set("X-Bkapi-Authorization", auth)
		require.Equal(t, 0, send(t, s, hr).Code)
	}
	for i := range n {
		cycle(i)
	}
	after1 := heapAfterGC()
	for i := n; i < 10*n; i++ {
		cycle(i)
	}
	after10 := heapAfterGC()
	t.Logf("live heap after %d cycles: %d bytes; after %d: %d bytes", n, after1, 10*n, after10)
	assert.Less(t, int64(after10)-int64(after1), int64(512<<10),
		"the heap grew from %d to %d bytes over %d more create+delete cycles", after1, after10, 9*n)
	assert.Equal(t, 2, s.Store().Len(), "the fixtures' built-in sets, nothing else")
}
