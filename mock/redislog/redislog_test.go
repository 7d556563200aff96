package redislog

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/redistest"
)

// openLog is a log under prefix on a Redis of the test's own, closed at its end.
func openLog(t *testing.T, prefix string) *Log {
	t.Helper()
	server := redistest.Start(t)
	l, err := Open(context.Background(), server.URL(), prefix)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// TestASnapshotNotReadWholeLeavesNothing: a snapshot whose writer fails part way is not stored,
// and the chunks pushed before the failure are gone, not left in Redis under no name.
func TestASnapshotNotReadWholeLeavesNothing(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, "s1:")

	failing := io.MultiReader(strings.NewReader("the first part"), iotest.ErrReader(errors.New("the writer failed")))
	assert.ErrorContains(t, l.WriteSnapshot(ctx, "1-0", failing), "the writer failed")
	n, err := l.rdb.Exists(ctx, "s1:snapshot:1-0").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "the chunks pushed before the failure are gone")
	_, _, ok, err := l.ReadSnapshot(ctx)
	require.NoError(t, err)
	assert.False(t, ok)

	require.NoError(t, l.WriteSnapshot(ctx, "2-0", strings.NewReader("whole")))
	assertSnapshot(t, l, "2-0", "whole")
}

// assertSnapshot reads the latest snapshot whole and checks it is text, up to upTo.
func assertSnapshot(t *testing.T, l *Log, upTo, text string) {
	t.Helper()
	at, state, ok, err := l.ReadSnapshot(context.Background())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, upTo, at)
	got, err := io.ReadAll(state)
	require.NoError(t, err)
	assert.Equal(t, text, string(got))
}

// TestASnapshotReadAsANewerReplacesIt: a snapshot is fetched a chunk at a time as it is read; a
// newer one that takes its place meanwhile (its chunks gone) fails the read with
// ErrSnapshotReplaced, and the next read is of the newer.
func TestASnapshotReadAsANewerReplacesIt(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, "s2:")

	older := strings.Repeat("o", chunk+1) // two chunks
	require.NoError(t, l.WriteSnapshot(ctx, "1-0", strings.NewReader(older)))
	upTo, state, ok, err := l.ReadSnapshot(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "1-0", upTo)
	first := make([]byte, 10)
	_, err = io.ReadFull(state, first)
	require.NoError(t, err)

	require.NoError(t, l.WriteSnapshot(ctx, "2-0", strings.NewReader("newer")))
	_, err = io.ReadAll(state)
	assert.ErrorIs(t, err, ErrSnapshotReplaced)

	assertSnapshot(t, l, "2-0", "newer")
}
