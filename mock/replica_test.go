package mock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/redistest"
	"github.com/cmdbmock/cmdbmock/internal/syncbuf"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/redislog"
	"github.com/cmdbmock/cmdbmock/spec"
)

// replicaOf is a mock on the shared store at url under prefix, stopped at the test's cleanup.
func replicaOf(t *testing.T, url, prefix string) *mock.Server {
	t.Helper()
	return replicaWith(t, mock.Config{Store: url, StorePrefix: prefix})
}

// replicaWith is a mock of the given configuration, which names a shared store.
func replicaWith(t *testing.T, cfg mock.Config) *mock.Server {
	t.Helper()
	s, err := mock.New(loadSpec(), defaultFixtures(t), cfg)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func createOn(t *testing.T, s http.Handler, name string) reply {
	t.Helper()
	return req{surface: "esb", biz: 2, data: set("bk_parent_id", 2, "bk_set_name", name)}.send(t, s)
}

func setID(r reply) int64 {
	var id int64
	_ = json.Unmarshal(r.Keys["data"], &struct {
		ID *int64 `json:"bk_set_id"`
	}{&id})
	return id
}

// TestSharedStoreReplicas: two replicas of one shared store: a set created through one is read
// through the other at once; of creates of one name through both at once exactly one wins; ids
// are unique over thousands of creates through both; a reset through one is a reset of both;
// fault rules and an all-or-nothing batch delete hold on both.
func TestSharedStoreReplicas(t *testing.T) {
	redis := redistest.Start(t)
	a, b := replicaOf(t, redis.URL(), "t1:"), replicaOf(t, redis.URL(), "t1:")

	made := createOn(t, a, "seen-by-b")
	require.True(t, made.Result, "%s", made.Raw)
	assert.Equal(t, 1101108, createOn(t, b, "seen-by-b").Code, "a duplicate through the other replica")
	assert.Contains(t, searchName(t, b, "seen-by-b"), `"count":1`)

	// The same names through both at once: each is created once.
	const names = 40
	wins := make([]int, names)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range []*mock.Server{a, b} {
		for i := range names {
			wg.Go(func() {
				if createOn(t, s, fmt.Sprint("race-", i)).Result {
					mu.Lock()
					wins[i]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for i, w := range wins {
		assert.Equal(t, 1, w, "race-%d", i)
	}

	// Ids over thousands of creates through both: each handed out once.
	const creates = 2000
	ids := make(chan int64, creates)
	for g := range 8 {
		s := []*mock.Server{a, b}[g%2]
		wg.Go(func() {
			for i := range creates / 8 {
				r := createOn(t, s, fmt.Sprintf("many-%d-%d", g, i))
				if assert.True(t, r.Result, "%s", r.Raw) {
					ids <- setID(r)
				}
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		assert.False(t, seen[id], "id %d twice", id)
		seen[id] = true
	}
	assert.Len(t, seen, creates)
	// A replica's store is read here without a call to bring it to the log's end first.
	require.Eventually(t, func() bool { return a.Store().Len() == b.Store().Len() }, 5*time.Second, 10*time.Millisecond)

	// A batch delete naming a built-in set deletes nothing, on either replica.
	batch := fmt.Sprintf(`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"delete":{"inst_ids":[%d,2]}}`, setID(made))
	assert.Equal(t, 1101098, postESB(t, b, "batch_delete_set", batch).Code)
	assert.Contains(t, searchName(t, a, "seen-by-b"), `"count":1`)

	// What an update keeps as sent, written through one, is the other's record too.
	update := fmt.Sprintf(`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"bk_set_id":%d,`+
		`"data":{"bk_inst_id":7,"bk_data_status":"disabled","default":"5"}}`, setID(made))
	require.Equal(t, 0, postESB(t, b, "update_set", update).Code)
	require.Eventually(t, func() bool { rec, _ := a.Store().Set(setID(made)); return rec["default"] == "5" }, 5*time.Second, 10*time.Millisecond)
	recA, _ := a.Store().Set(setID(made))
	recB, _ := b.Store().Set(setID(made))
	assert.Equal(t, recB, recA)
	instID, err := json.Marshal(recA["bk_inst_id"])
	require.NoError(t, err)
	assert.Equal(t, "7", string(instID))
	assert.Equal(t, "disabled", recA["bk_data_status"])

	// A fault rule added through one answers through the other.
	require.Equal(t, http.StatusCreated, admin(t, a, http.MethodPost, "/__mock/faults", `{"match":{"surface":"esb"},"code":1306201,"message":"down"}`, nil))
	assert.Equal(t, 1306201, createOn(t, b, "faulted").Code)
	require.Equal(t, http.StatusNoContent, admin(t, b, http.MethodDelete, "/__mock/faults", "", nil))
	assert.True(t, createOn(t, a, "not-faulted").Result)

	// A reset through one is a reset of both.
	require.Equal(t, http.StatusOK, admin(t, b, http.MethodPost, "/__mock/reset", "", nil))
	assert.Contains(t, searchName(t, a, "seen-by-b"), `"count":0`)
	assert.Equal(t, 2, a.Store().Len())
	assert.Equal(t, 2, b.Store().Len())
	r := createOn(t, a, "after-reset")
	assert.EqualValues(t, 3, setID(r), "the counters start anew")
}

// postESB sends an ESB component its body.
// TestSharedStoreRateLimit: replicas on one store count an app's calls of a resource together,
// in Redis, as the gateway does; a quota's window starts at its first call.
func TestSharedStoreRateLimit(t *testing.T) {
	redis := redistest.Start(t)
	cfg := mock.Config{Store: redis.URL(), StorePrefix: "rl:", RateLimit: 2}
	a, b := replicaWith(t, cfg), replicaWith(t, cfg)
	for _, s := range []*mock.Server{a, b} {
		s.SetRateWindow(time.Minute) // the calls below fall in one window, however slow the machine
	}
	call := func(s *mock.Server, name string) reply {
		hr := req{surface: "v3", biz: 1, data: set("bk_set_name", name)}.httpRequest(t)
		return send(t, s, hr)
	}
	first := call(a, "rl-1")
	assert.Equal(t, 0, first.Code, "%s", first.Raw)
	assert.Equal(t, "1", first.Header.Get("X-Bkapi-RateLimit-Remaining"))
	assert.Equal(t, "60", first.Header.Get("X-Bkapi-RateLimit-Reset"), "the whole window on its first call")
	assert.Equal(t, 0, call(b, "rl-2").Code, "the other replica counts on")
	limited := call(a, "rl-3")
	assert.Equal(t, 1642903, limited.Code, "%s", limited.Raw)
	assert.Equal(t, "0", limited.Header.Get("X-Bkapi-RateLimit-Remaining"))
	other := req{surface: "v3", biz: 1, data: set("bk_set_name", "rl-4")}.httpRequest(t)
	other.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"other","bk_app_secret":"s","bk_username":"u"}`)
	assert.Equal(t, 0, send(t, b, other).Code, "another app has its own count")
}

func postESB(t *testing.T, s http.Handler, component, body string) reply {
	t.Helper()
	hr := httptest.NewRequest(http.MethodPost, "/api/c/compapi/v2/cc/"+component+"/", strings.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	return send(t, s, hr)
}

// logLength is how many entries the shared log under prefix holds.
func logLength(t *testing.T, redis *redistest.Server, prefix string) int64 {
	t.Helper()
	l, err := redislog.Open(context.Background(), redis.URL(), prefix)
	require.NoError(t, err)
	defer l.Close()
	n, err := l.Length(context.Background())
	require.NoError(t, err)
	return n
}

// searchName is search_set's answer for a name in business 2.
func searchName(t *testing.T, s http.Handler, name string) string {
	t.Helper()
	body := `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"fields":["bk_set_id"],"condition":{"bk_set_name":"` + name + `"}}`
	return string(postESB(t, s, "search_set", body).Raw)
}

// TestSharedStoreJoinsAndCompacts: a replica that starts late finds everything, also once the
// log was trimmed behind a snapshot; a replica behind a snapshot reloads from it.
func TestSharedStoreJoinsAndCompacts(t *testing.T) {
	redis := redistest.Start(t)
	var log syncbuf.Buffer
	a := replicaWith(t, mock.Config{Store: redis.URL(), StorePrefix: "t2:", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	a.SetCompactEvery(50)
	for i := range 120 {
		require.True(t, createOn(t, a, fmt.Sprint("early-", i)).Result)
	}
	require.Eventually(t, func() bool { return logLength(t, redis, "t2:") < 120 }, 10*time.Second, 20*time.Millisecond, "the log is trimmed behind a snapshot")
	late := replicaOf(t, redis.URL(), "t2:")
	assert.Equal(t, a.Store().Len(), late.Store().Len())
	assert.Contains(t, searchName(t, late, "early-0"), `"count":1`)
	assert.Contains(t, searchName(t, late, "early-119"), `"count":1`)
	assert.Equal(t, 1101108, createOn(t, late, "early-7").Code)
	written := regexp.MustCompile(`snapshot written, log trimmed" up_to=\S+ bytes=(\d+)`).FindStringSubmatch(log.String())
	require.NotNil(t, written, "%s", log.String())
	assert.NotEqual(t, "0", written[1], "the log says how large the snapshot is")
}

// TestSharedStoreInstalledOnce: the fixtures' businesses and the model of a shared store were
// installed when it was seeded, once for every replica: one that starts an hour later, also
// after the log was trimmed behind a snapshot, answers the create_time the first answers; a
// reset through either installs them anew, on both.
func TestSharedStoreInstalledOnce(t *testing.T) {
	redis := redistest.Start(t)
	clock := func(at time.Time) func() time.Time { return func() time.Time { return at } }
	seeded := time.Date(2026, 3, 4, 5, 6, 7, 386_000_000, time.UTC)
	first := replicaWith(t, mock.Config{Store: redis.URL(), StorePrefix: "t6:", Now: clock(seeded)})
	want := installTimes{Business: "2026-03-04T13:06:07.386+08:00", Model: "2026-03-04T13:06:07.386+08:00"}
	require.Equal(t, want, installTimesOf(t, first))
	later := replicaWith(t, mock.Config{Store: redis.URL(), StorePrefix: "t6:", Now: clock(seeded.Add(time.Hour))})
	assert.Equal(t, want, installTimesOf(t, later), "a replica started later")

	first.SetCompactEvery(10)
	for i := range 30 {
		require.True(t, createOn(t, first, fmt.Sprint("filler-", i)).Result)
	}
	require.Eventually(t, func() bool { return logLength(t, redis, "t6:") < 30 }, 10*time.Second, 20*time.Millisecond, "the log is trimmed behind a snapshot")
	fromSnapshot := replicaWith(t, mock.Config{Store: redis.URL(), StorePrefix: "t6:", Now: clock(seeded.Add(2 * time.Hour))})
	assert.Equal(t, want, installTimesOf(t, fromSnapshot), "a replica started from a snapshot")

	require.Equal(t, http.StatusOK, admin(t, later, http.MethodPost, "/__mock/reset", "", nil))
	anew := installTimes{Business: "2026-03-04T14:06:07.386+08:00", Model: "2026-03-04T14:06:07.386+08:00"}
	for _, s := range []*mock.Server{first, later, fromSnapshot} {
		assert.Equal(t, anew, installTimesOf(t, s), "a reset installs anew, at the time of the replica that took it")
	}
}

// installTimes are the create_time of business 2 and of the set model's name attribute.
type installTimes struct{ Business, Model string }

func installTimesOf(t *testing.T, s *mock.Server) installTimes {
	t.Helper()
	var out installTimes
	var biz struct {
		Info []struct {
			CreateTime string `json:"create_time"`
		} `json:"info"`
	}
	r := esbCall(t, s, mock.PathESBSearchBusiness, map[string]any{"condition": map[string]any{"bk_biz_id": 2}})
	require.NoError(t, json.Unmarshal(r.Keys["data"], &biz), "%s", r.Raw)
	require.Len(t, biz.Info, 1, "%s", r.Raw)
	out.Business = biz.Info[0].CreateTime
	var attrs []struct {
		ID         string `json:"bk_property_id"`
		CreateTime string `json:"create_time"`
	}
	r = esbCall(t, s, mock.PathESBSearchObjectAttribute, map[string]any{"bk_obj_id": "set"})
	require.NoError(t, json.Unmarshal(r.Keys["data"], &attrs), "%s", r.Raw)
	for _, a := range attrs {
		if a.ID == "bk_set_name" {
			out.Model = a.CreateTime
		}
	}
	return out
}

// TestSharedStoreRidesOutRedis: while Redis is down a call is answered (after about two seconds
// of retries) with the mock's own error in the envelope and /healthz is not ready; when Redis is back the replica goes on by
// itself, with every set it acknowledged.
func TestSharedStoreRidesOutRedis(t *testing.T) {
	redis := redistest.Start(t)
	a := replicaOf(t, redis.URL(), "t3:")
	require.True(t, createOn(t, a, "before").Result)

	redis.Stop()
	start := time.Now()
	r := createOn(t, a, "while-down")
	t.Logf("a create while Redis is down was answered in %v", time.Since(start).Round(time.Millisecond)) // go test -v shows it; nothing asserts on it
	assert.Equal(t, 1199999, r.Code, "%s", r.Raw)
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, r.Message, "shared store is unavailable")
	var refused map[string]string
	assert.Equal(t, http.StatusServiceUnavailable, admin(t, a, http.MethodPost, "/__mock/reset", "", &refused))
	assert.Contains(t, refused["error"], "shared store is unavailable")
	require.Eventually(t, func() bool { return health(a) == http.StatusServiceUnavailable }, 10*time.Second, 50*time.Millisecond)

	redis.Restart()
	require.Eventually(t, func() bool { return health(a) == http.StatusOK }, 15*time.Second, 50*time.Millisecond)
	assert.True(t, createOn(t, a, "after").Result)
	assert.Contains(t, searchName(t, a, "before"), `"count":1`)
	assert.Contains(t, searchName(t, a, "while-down"), `"count":0`, "nothing was written")
}

// TestSharedStoreSaysWhenRedisCameBackEmpty: a Redis that comes back without its data (no
// persistence) is a fresh store, which the next replica to start seeds; the replicas that held
// the old state follow it, as they must to agree, and say so in their logs rather than lose their
// sets without a word.
func TestSharedStoreSaysWhenRedisCameBackEmpty(t *testing.T) {
	server := redistest.Start(t)
	var log syncbuf.Buffer
	a := replicaWith(t, mock.Config{Store: server.URL(), StorePrefix: "t9:", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	require.True(t, createOn(t, a, "held").Result)

	rdb := redis.NewClient(&redis.Options{Addr: server.Addr()})
	defer rdb.Close()
	require.NoError(t, rdb.FlushAll(context.Background()).Err())
	c := replicaOf(t, server.URL(), "t9:")
	require.True(t, createOn(t, c, "after").Result)

	require.Eventually(t, func() bool { return strings.Contains(searchName(t, a, "after"), `"count":1`) }, 10*time.Second, 20*time.Millisecond)
	assert.Contains(t, searchName(t, a, "held"), `"count":0`, "the replicas agree with the store")
	assert.Contains(t, log.String(), "level=WARN")
	assert.Contains(t, log.String(), "found the shared store empty")
}

// TestSharedStoreRecoversFromAnEmptiedRedis: a Redis emptied under a running replica that goes
// on writing holds writes without the seed they follow; a replica that starts then seeds it
// again, saying so, where it applied those writes to an empty store and answered otherwise than
// the running replica (other ids, no built-in sets). Every replica then answers alike.
func TestSharedStoreRecoversFromAnEmptiedRedis(t *testing.T) {
	server := redistest.Start(t)
	var log syncbuf.Buffer
	a := replicaOf(t, server.URL(), "t10:")
	require.True(t, createOn(t, a, "held").Result)
	rdb := redis.NewClient(&redis.Options{Addr: server.Addr()})
	defer rdb.Close()
	require.NoError(t, rdb.FlushAll(context.Background()).Err())
	require.True(t, createOn(t, a, "written-after").Result)

	c := replicaWith(t, mock.Config{Store: server.URL(), StorePrefix: "t10:", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	assert.Contains(t, log.String(), "level=WARN")
	assert.Contains(t, log.String(), "lost its data")
	require.True(t, createOn(t, c, "new").Result)
	d := replicaOf(t, server.URL(), "t10:") // a replica after the seed joins as ever
	sets := func(s *mock.Server) string {
		return fmt.Sprint(postESB(t, s, "search_set", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,`+
			`"fields":["bk_set_id","bk_set_name"],"page":{"sort":"bk_set_id"}}`).Data["info"])
	}
	require.Eventually(t, func() bool { return sets(a) == sets(c) }, 10*time.Second, 20*time.Millisecond, "a: %s; c: %s", sets(a), sets(c))
	assert.Equal(t, sets(c), sets(d))
	assert.Contains(t, sets(c), "new")
	assert.Contains(t, searchName(t, c, "空闲机池"), `"count":1`, "the built-in sets are there")
}

// TestSharedStoreFollowsALogThatWentBack: a Redis that lost its data hands out its log's ids
// anew, and they may fall at or before the entries a running replica applied (a write in the
// same millisecond as the last before the loss, or a Redis whose clock is behind the one before).
// A replica that finds its own write, or the log's end, before what it applied reads the log
// again from its start, where it waited for ever on its write and never read the others'.
func TestSharedStoreFollowsALogThatWentBack(t *testing.T) {
	server := redistest.Start(t)
	var log syncbuf.Buffer
	a := replicaWith(t, mock.Config{Store: server.URL(), StorePrefix: "t11:", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	b := replicaOf(t, server.URL(), "t11:")
	rdb := aheadThenEmptied(t, server, "t11:", a, b)
	defer rdb.Close()
	made := createOn(t, patient{t, b}, "from-b")
	require.True(t, made.Result, "%s", made.Raw)
	assert.Contains(t, searchName(t, patient{t, a}, "from-b"), `"count":1`, "the other replica reads the log again")
	made = createOn(t, patient{t, a}, "from-a")
	require.True(t, made.Result, "%s", made.Raw)
	assert.Contains(t, searchName(t, patient{t, b}, "from-a"), `"count":1`)
	assert.Contains(t, searchName(t, patient{t, b}, "ahead"), `"count":1`, "what a replica applied before stays")
	assert.Contains(t, log.String(), "level=WARN")
	assert.Contains(t, log.String(), "Redis lost its data")
}

// TestSharedStoreFollowsALogThatWentBackPastASnapshot: a replica that finds the log gone back
// after the others wrote a snapshot of the new log and trimmed it loads that snapshot, where it
// read what was left of the log and lost the writes the snapshot covers.
func TestSharedStoreFollowsALogThatWentBackPastASnapshot(t *testing.T) {
	server := redistest.Start(t)
	a, b := replicaOf(t, server.URL(), "t12:"), replicaOf(t, server.URL(), "t12:")
	b.SetCompactEvery(5)
	rdb := aheadThenEmptied(t, server, "t12:", a, b)
	defer rdb.Close()
	ctx := context.Background()
	for i := range 12 {
		require.True(t, createOn(t, patient{t, b}, fmt.Sprint("after-", i)).Result)
	}
	require.Eventually(t, func() bool {
		n, err := rdb.XLen(ctx, "t12:log").Result()
		return err == nil && n < 12
	}, 10*time.Second, 20*time.Millisecond, "b wrote a snapshot of the new log and trimmed it")
	for i := range 12 {
		assert.Contains(t, searchName(t, patient{t, a}, fmt.Sprint("after-", i)), `"count":1`, "after-%d", i)
	}
}

// aheadThenEmptied creates "held" through the first replica, writes a copy of it named "ahead" an
// hour ahead of Redis's clock, which every replica applies (every id the log hands out after a
// loss is then before what they applied), and empties Redis. It returns a client of that Redis.
func aheadThenEmptied(t *testing.T, server *redistest.Server, prefix string, replicas ...*mock.Server) *redis.Client {
	t.Helper()
	require.True(t, createOn(t, replicas[0], "held").Result)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: server.Addr()})
	last, err := rdb.XRevRangeN(ctx, prefix+"log", "+", "-", 1).Result()
	require.NoError(t, err)
	require.Len(t, last, 1)
	ahead := last[0].Values
	ahead["d"] = strings.Replace(ahead["d"].(string), `"Name":"held"`, `"Name":"ahead"`, 1)
	ahead["t"] = "a-token-of-its-own"
	id := fmt.Sprintf("%d-0", time.Now().Add(time.Hour).UnixMilli())
	require.NoError(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: prefix + "log", ID: id, Values: ahead}).Err())
	for _, s := range replicas {
		require.Contains(t, searchName(t, s, "ahead"), `"count":1`)
	}
	require.NoError(t, rdb.FlushAll(ctx).Err())
	return rdb
}

// patient serves a call through h and fails the test when h does not answer in 10 s: a call
// that waits for ever fails the test that makes it rather than hang it.
type patient struct {
	t *testing.T
	h http.Handler
}

func (p patient) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.h.ServeHTTP(rec, r)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.t.Fatalf("%s %s: no answer in 10 s", r.Method, r.URL)
	}
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func health(s *mock.Server) int {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	return rec.Code
}

// TestSharedStoreRefusals: --state and --store together, and a Redis that does not answer, are
// refused at start with a message that names the address, not its password.
func TestSharedStoreRefusals(t *testing.T) {
	sp := loadSpec()
	_, err := mock.New(sp, defaultFixtures(t), mock.Config{Store: "redis://u:pa55word@127.0.0.1:1/0"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "127.0.0.1:1")
	assert.NotContains(t, err.Error(), "pa55word")
	_, err = mock.New(sp, defaultFixtures(t), mock.Config{Store: "redis://127.0.0.1:1/0", StateFile: t.TempDir() + "/s.json"})
	assert.ErrorContains(t, err, "exclusive")
}

// TestSharedStoreReplicasAgree: a replica that would decide or answer otherwise than the store's
// first (other fixtures, or another --max-sets, --populate, --seed, --fill, --cmdb-version, --iam
// or --tz) does not start, and says what differs; the bk_token logins of the fixtures are each replica's to have.
// One that runs alike joins.
func TestSharedStoreReplicasAgree(t *testing.T) {
	redis := redistest.Start(t)
	cfg := mock.Config{Store: redis.URL(), StorePrefix: "t7:", MaxSets: 5000, Seed: 7}
	first := replicaWith(t, cfg)
	require.True(t, createOn(t, first, "before").Result)

	join := func(cfg mock.Config, fx *fixtures.Fixtures) error {
		s, err := mock.New(loadSpec(), fx, cfg)
		if err == nil {
			s.Close()
		}
		return err
	}
	with := func(change func(*mock.Config)) mock.Config {
		c := cfg
		change(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  mock.Config
		want string
	}{
		{"max sets", with(func(c *mock.Config) { c.MaxSets = 6000 }), "--max-sets 6000 here, 5000 in the shared store"},
		{"populate", with(func(c *mock.Config) { c.Populate = 3 }), "--populate 3 here, 0 in the shared store"},
		{"seed", with(func(c *mock.Config) { c.Seed = 8 }), "--seed 8 here, 7 in the shared store"},
		{"fill", with(func(c *mock.Config) { c.Fill = mock.FillFake }), "--fill fake here, defaults in the shared store"},
		{"version", with(func(c *mock.Config) { c.Version = spec.V314 }), "--cmdb-version 3.14 here, 3.13 in the shared store"},
		{"iam", with(func(c *mock.Config) { c.IAMOff = true }), "--iam off here, on in the shared store"},
		{"time zone", with(func(c *mock.Config) { c.Location = time.UTC }), "--tz UTC here, UTC+8 in the shared store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := join(tc.cfg, defaultFixtures(t))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "--store-prefix", "the way out is named")
		})
	}
	other := defaultFixtures(t)
	other.Businesses[1].Name = "another"
	assert.ErrorContains(t, join(cfg, other), "the fixtures differ")

	unencodable := defaultFixtures(t)
	unencodable.Businesses[1].Fields = map[string]any{"weight": math.NaN()}
	assert.ErrorContains(t, join(cfg, unencodable), "the fixtures' digest", "an error, not a crash")

	logins := defaultFixtures(t)
	logins.Tokens.Users = map[string]string{"a-token": "someone"}
	require.NoError(t, join(cfg, logins), "logins are each replica's")
	alike := replicaWith(t, cfg)
	assert.Contains(t, searchName(t, alike, "before"), `"count":1`)
}

// TestSharedStoreHoldsNoSecret: what a replica writes to Redis holds none of the credentials of
// the calls it took.
func TestSharedStoreHoldsNoSecret(t *testing.T) {
	redis := redistest.Start(t)
	a := replicaOf(t, redis.URL(), "t4:")
	a.SetCompactEvery(2) // a snapshot too
	for _, name := range []string{"x", "y", "z"} {
		body := `{"bk_app_code":"a","bk_app_secret":"canary-redis-secret","bk_token":"canary-redis-token","bk_username":"u","bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"` + name + `"}}`
		require.True(t, postESB(t, a, "create_set", body).Result)
	}
	port := strings.TrimPrefix(redis.Addr(), "127.0.0.1:")
	// Every key, read by whichever command its type answers. A snapshot written while the
	// dump runs replaces its list of chunks (the old one is deleted once the new one is in
	// place), so a dump may miss both: the dump is taken again until it holds the sets.
	dumpAll := func() string {
		keys, err := exec.Command("redis-cli", "-p", port, "--scan").Output()
		require.NoError(t, err)
		var everything strings.Builder
		for _, key := range strings.Fields(string(keys)) {
			for _, cmd := range [][]string{{"XRANGE", key, "-", "+"}, {"LRANGE", key, "0", "-1"}, {"HGETALL", key}, {"GET", key}} {
				out, _ := exec.Command("redis-cli", append([]string{"-p", port}, cmd...)...).Output()
				everything.Write(out)
			}
		}
		return everything.String()
	}
	var dump string
	require.Eventually(t, func() bool { dump = dumpAll(); return strings.Contains(dump, `"x"`) }, 10*time.Second, 50*time.Millisecond,
		"the dump holds the sets")
	assert.NotContains(t, dump, "canary-redis")
}

// TestSharedStoreHosts: hosts placed in a module through one replica's admin API hold on every
// replica, and on one that joins afterwards.
func TestSharedStoreHosts(t *testing.T) {
	redis := redistest.Start(t)
	a, b := replicaOf(t, redis.URL(), "t9:"), replicaOf(t, redis.URL(), "t9:")
	set, module := setWithModule(t, a, 2, 2, "with-hosts")
	var placed map[string]any
	require.Equal(t, http.StatusOK, admin(t, b, http.MethodPut, "/__mock/modules/"+module.String()+"/hosts", `{"hosts":2}`, &placed))
	for name, s := range map[string]*mock.Server{"a": a, "b": b, "joined later": replicaOf(t, redis.URL(), "t9:")} {
		r := callReq{call: spec.CallDeleteModule, surface: "v3", biz: 2, set: set, module: module}.send(t, s)
		assert.Equal(t, 1101030, r.Code, "%s: %s", name, r.Raw)
	}
}
