package fserr_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cmdbmock/cmdbmock/internal/fserr"
)

func TestWithoutPath(t *testing.T) {
	dir := t.TempDir()
	_, openErr := os.Open(filepath.Join(dir, "absent"))
	linkErr := os.Rename(filepath.Join(dir, "absent"), filepath.Join(dir, "other"))
	plain := errors.New("plain")
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"a path error", openErr, fs.ErrNotExist},
		{"wrapped", fmt.Errorf("reading: %w", openErr), fs.ErrNotExist},
		{"a link error", linkErr, fs.ErrNotExist},
		{"any other", plain, plain},
		{"none", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fserr.WithoutPath(tc.err)
			if tc.want == nil {
				assert.NoError(t, got)
				return
			}
			assert.ErrorIs(t, got, tc.want)
			assert.NotContains(t, got.Error(), dir)
		})
	}
}
