package mock

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/spec"
)

// TestHeavyReadsWaitForAPlace: reads that build a business's whole tree run at most cap(heavy)
// at once; one that finds every place taken waits, and is answered as cancelled when its client
// leaves meanwhile. Once a place is free it runs.
func TestHeavyReadsWaitForAPlace(t *testing.T) {
	sp := spec.Load(context.Background())
	fx, err := fixtures.Default()
	require.NoError(t, err)
	s, err := New(sp, fx, Config{})
	require.NoError(t, err)
	for range cap(s.heavy) {
		s.heavy <- struct{}{} // every place taken
	}
	read := func(ctx context.Context) string {
		hr := httptest.NewRequest(http.MethodPost, "/api/v3/find/topoinst/biz/2", strings.NewReader("")).WithContext(ctx)
		hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}`)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		return rec.Body.String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.Contains(t, read(ctx), "the request was cancelled", "a read waits for a place, and leaves with its client")
	<-s.heavy // a place frees up
	assert.Contains(t, read(context.Background()), `"bk_obj_id":"biz"`)
}
