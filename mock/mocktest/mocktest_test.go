package mocktest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/mocktest"
)

func TestStart(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		m := mocktest.Start(t, mocktest.Options{Config: mock.Config{Populate: 1}})
		url = m.URL
		assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, m.URL)
		code, id := createSet(m.URL, "from-a-test")
		assert.Equal(t, 0, code)
		_, ok := m.Store().Set(id)
		assert.True(t, ok)
		assert.Len(t, m.Journal().Entries(mock.JournalFilter{}), 1)
		assert.Empty(t, m.Faults().List())
	})
	_, err := http.Get(url + "/healthz")
	require.Error(t, err, "the mock stops at the test's cleanup")
}
