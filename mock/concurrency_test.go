package mock_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
)

// TestConcurrentCreates runs under -race in CI: of many creates of one name under one parent
// exactly one wins, and thousands of distinct names get unique ids with none lost.
func TestConcurrentCreates(t *testing.T) {
	t.Run("one name", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		const n = 64
		codes := make(chan int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				surface := []string{"esb", "v3"}[i%2]
				codes <- req{surface: surface, biz: 1, data: set("bk_set_name", "contended")}.send(t, s).Code
			}()
		}
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		assert.Equal(t, map[int]int{0: 1, 1101108: n - 1}, count)
	})
	t.Run("distinct names", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		const workers, each = 8, 250
		ids := make(chan json.Number, workers*each)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					r := req{surface: "v3", biz: 1, data: set("bk_set_name", fmt.Sprintf("w%d-%d", w, i))}.send(t, s)
					if !assert.True(t, r.Result, "%s", r.Raw) {
						return
					}
					ids <- r.Data["bk_set_id"].(json.Number)
				}
			}()
		}
		wg.Wait()
		close(ids)
		seen := map[json.Number]bool{}
		for id := range ids {
			require.False(t, seen[id], "id %s handed out twice", id)
			seen[id] = true
		}
		assert.Len(t, seen, workers*each)
		assert.Len(t, s.Store().Sets(), 2+workers*each, "every create is stored")
	})
}

// TestJournalAndFaultsUnderLoad: requests, fault rules and journal reads all at once, for -race.
func TestJournalAndFaultsUnderLoad(t *testing.T) {
	s := newServer(t, mock.Config{JournalSize: 64})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				req{surface: []string{"esb", "v3"}[i%2], biz: 1, data: set("bk_set_name", fmt.Sprintf("l%d-%d", w, i))}.send(t, s)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 100 {
			r, err := s.Faults().Add(mock.FaultRule{Code: 1306201, Message: "busy", Probability: 0.1, Seed: uint64(i)})
			if !assert.NoError(t, err) {
				return
			}
			_ = s.Faults().List()
			s.Faults().Delete(r.ID)
			_ = s.Journal().Entries(mock.JournalFilter{Limit: 10})
		}
	}()
	wg.Wait()
	assert.Len(t, s.Journal().Entries(mock.JournalFilter{}), 64)
	ids := map[any]bool{}
	for _, rec := range s.Store().Sets() {
		assert.False(t, ids[rec["bk_set_id"]])
		ids[rec["bk_set_id"]] = true
	}
}

// TestResetIsAtomic: a reset under traffic never lets a create take a built-in set's id, and
// the built-in sets are there after every reset (creates used to take ids 1 and 2 between the
// emptying and the seeding, and the idle pools were then not re-added).
func TestResetIsAtomic(t *testing.T) {
	s := newServer(t, mock.Config{})
	var ids sync.Map
	stop, wg := createsUntilStopped(t, s, "w", func(r reply) {
		if r.Code == 0 {
			ids.Store(r.Data["bk_set_id"], true)
		}
	})
	for range 300 {
		require.NoError(t, s.Reset())
		for _, id := range []int64{1, 2} {
			rec, ok := s.Store().Set(id)
			require.True(t, ok, "built-in set %d is there after a reset", id)
			require.Equal(t, "空闲机池", rec["bk_set_name"])
		}
	}
	close(stop)
	wg.Wait()
	for _, id := range []json.Number{"1", "2"} {
		_, taken := ids.Load(id)
		assert.False(t, taken, "a create took the built-in set's id %s", id)
	}
}

// TestPopulatedResetIsOneStep: a reset stores the populated sets with the built-in ones in one
// step, so creates racing it never take ids among them, and it holds the store's lock once,
// not once a set (a reset of 194,000 sets under load took 10 s).
func TestPopulatedResetIsOneStep(t *testing.T) {
	s := newServer(t, mock.Config{Populate: 2000})
	stop, wg := createsUntilStopped(t, s, "race-", func(reply) {})
	for range 5 {
		require.NoError(t, s.Reset())
	}
	close(stop)
	wg.Wait()
	populated := 0
	for _, rec := range s.Store().Sets() {
		name := rec["bk_set_name"].(string)
		if name == "空闲机池" || strings.HasPrefix(name, "race-") {
			continue
		}
		populated++
		assert.LessOrEqual(t, rec["bk_set_id"], int64(4002), "populated set %q", name)
	}
	assert.Equal(t, 4000, populated)
}

// createsUntilStopped runs four goroutines that create sets named prefix+worker-n in business 2
// until stop is closed, handing each answer to seen; wait on wg after closing stop.
func createsUntilStopped(t *testing.T, s *mock.Server, prefix string, seen func(reply)) (chan struct{}, *sync.WaitGroup) {
	stop := make(chan struct{})
	wg := &sync.WaitGroup{}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				seen(req{surface: "v3", biz: 2, data: set("bk_parent_id", 2, "bk_set_name", fmt.Sprintf("%s%d-%d", prefix, w, i))}.send(t, s))
			}
		}()
	}
	return stop, wg
}
