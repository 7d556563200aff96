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

// TestASnapshotNotReadWholeLeavesNothing: a snapshot whose writer fails part way is not stored,
// and the chunks pushed before the failure are gone, not left in Redis under no name.
func TestASnapshotNotReadWholeLeavesNothing(t *testing.T) {
	server := redistest.Start(t)
	ctx := context.Background()
	l, err := Open(ctx, server.URL(), "s1:")
	require.NoError(t, err)
	defer l.Close()

	failing := io.MultiReader(strings.NewReader("the first part"), iotest.ErrReader(errors.New("the writer failed")))
	assert.ErrorContains(t, l.WriteSnapshot(ctx, "1-0", failing), "the writer failed")
	n, err := l.rdb.Exists(ctx, "s1:snapshot:1-0").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "the chunks pushed before the failure are gone")
	_, _, ok, err := l.ReadSnapshot(ctx)
	require.NoError(t, err)
	assert.False(t, ok)

	require.NoError(t, l.WriteSnapshot(ctx, "2-0", strings.NewReader("whole")))
	upTo, state, ok, err := l.ReadSnapshot(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "2-0", upTo)
	got, err := io.ReadAll(state)
	require.NoError(t, err)
	assert.Equal(t, "whole", string(got))
}
