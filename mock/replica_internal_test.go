package mock

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/redistest"
	"github.com/cmdbmock/cmdbmock/mock/redislog"
	"github.com/cmdbmock/cmdbmock/spec"
)

// TestLastReadsAreShared: the calls that come while a look-up of the log's end is out share the
// next one, which starts once that one is back; each call's answer comes from a look-up that
// started after the call came, so that it sees every write acknowledged before it.
func TestLastReadsAreShared(t *testing.T) {
	var writes, reads, answered atomic.Int64
	first, release := make(chan struct{}), make(chan struct{})
	read := func() (string, error) {
		n := reads.Add(1)
		seen := writes.Load() // the log's end when the look-up starts
		if n == 1 {
			close(first)
			<-release // the first look-up stays out until the others came
		}
		return strconv.FormatInt(seen, 10), nil
	}
	l := lastReads{read: read}
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]int64, 11)
	wrote := make([]int64, 11)
	call := func(i int) {
		defer wg.Done()
		wrote[i] = writes.Add(1) // a write acknowledged before the call
		last, err := l.get(ctx)
		require.NoError(t, err)
		got[i], err = strconv.ParseInt(last, 10, 64)
		require.NoError(t, err)
		answered.Add(1)
	}
	wg.Add(1)
	go call(0)
	<-first
	wg.Add(10)
	for i := 1; i <= 10; i++ {
		go call(i)
	}
	// Until the ten wait for the next look-up (or, were they not held, have their answers).
	for waiting := 0; waiting < 10 && answered.Load() < 10; runtime.Gosched() {
		l.mu.Lock()
		if l.next != nil {
			waiting = l.next.waiting
		}
		l.mu.Unlock()
	}
	close(release)
	wg.Wait()
	assert.Equal(t, int64(2), reads.Load(), "the ten calls that came while the first look-up was out shared one")
	for i := range got {
		assert.GreaterOrEqual(t, got[i], wrote[i], "call %d sees its write", i)
	}
	// Alone again: a call starts its own look-up at once.
	last, err := l.get(ctx)
	require.NoError(t, err)
	assert.Equal(t, "11", last)
	assert.Equal(t, int64(3), reads.Load())
}

// TestAWriteASnapshotCoveredIsAnswered: a replica that, before it applied a write of its own,
// loads a snapshot another replica wrote past it (and trimmed the write from the log) cannot
// know what the store decided of it: it says so, where it waited for ever.
func TestAWriteASnapshotCoveredIsAnswered(t *testing.T) {
	server := redistest.Start(t)
	fx, err := fixtures.Default()
	require.NoError(t, err)
	s, err := New(spec.Load(context.Background()), fx, Config{Store: server.URL(), StorePrefix: "w1:"})
	require.NoError(t, err)
	defer s.Close()
	r := s.shared
	close(r.stop) // the follower stops, so that the write below is not applied before the snapshot
	<-r.done
	r.stop = make(chan struct{}) // for Close

	ctx := context.Background()
	token := redislog.NewToken()
	got, _ := r.expect(token)
	id, err := r.append(ctx, reset{Seed: 1}, token)
	require.NoError(t, err)
	var state bytes.Buffer
	require.NoError(t, s.store.StateWriter()(&state))
	require.NoError(t, r.log.WriteSnapshot(ctx, id, &state), "another replica's snapshot, as of the write")

	type result struct {
		out outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := r.await(ctx, id, got)
		done <- result{out, err}
	}()
	select {
	case res := <-done:
		assert.ErrorIs(t, res.err, errAnswerLost)
	case <-time.After(10 * time.Second):
		t.Fatal("no answer in 10 s")
	}
	assert.Contains(t, (&call{}).storeFailure(errAnswerLost).message, "took the write")
	assert.Contains(t, (&call{}).storeFailure(context.Canceled).message, "unavailable")
}
