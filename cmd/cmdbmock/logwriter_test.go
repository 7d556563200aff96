package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingWriter records each write it gets.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func (c *countingWriter) text() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.writes, ""), len(c.writes)
}

// TestLogWriterBatches: lines wait for the timer, a full buffer or Close, and go out in order,
// whole, in far fewer writes than lines; none is lost, however many goroutines log at once.
func TestLogWriterBatches(t *testing.T) {
	t.Run("held until Close", func(t *testing.T) {
		var w countingWriter
		l := newLogWriter(&w, 1<<10, time.Hour)
		for i := range 10 {
			fmt.Fprintf(l, "line %d\n", i)
		}
		_, n := w.text()
		assert.Zero(t, n, "nothing goes out before the timer, a full buffer or Close")
		l.Close()
		text, n := w.text()
		assert.Equal(t, 1, n)
		assert.Equal(t, 10, strings.Count(text, "\n"))
		assert.True(t, strings.HasPrefix(text, "line 0\nline 1\n"))
	})
	t.Run("a full buffer", func(t *testing.T) {
		var w countingWriter
		l := newLogWriter(&w, 100, time.Hour)
		var want bytes.Buffer
		for i := range 20 {
			line := fmt.Sprintf("%025d\n", i)
			want.WriteString(line)
			_, _ = l.Write([]byte(line))
		}
		l.Close()
		text, n := w.text()
		assert.Equal(t, want.String(), text)
		assert.Equal(t, 7, n, "three lines of 26 bytes fit in 100: six writes of three, then the last two")
	})
	t.Run("a line larger than the buffer", func(t *testing.T) {
		var w countingWriter
		l := newLogWriter(&w, 10, time.Hour)
		_, _ = l.Write([]byte("short\n"))
		_, _ = l.Write([]byte(strings.Repeat("x", 50) + "\n"))
		l.Close()
		text, _ := w.text()
		assert.Equal(t, "short\n"+strings.Repeat("x", 50)+"\n", text)
	})
	t.Run("the timer", func(t *testing.T) {
		var w countingWriter
		l := newLogWriter(&w, 1<<10, 10*time.Millisecond)
		defer l.Close()
		_, _ = l.Write([]byte("soon\n"))
		require.Eventually(t, func() bool { text, _ := w.text(); return text == "soon\n" }, 5*time.Second, 5*time.Millisecond)
	})
	t.Run("many goroutines", func(t *testing.T) {
		var w countingWriter
		l := newLogWriter(&w, 4<<10, time.Millisecond)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 1000 {
					fmt.Fprintf(l, "g%d line %04d\n", g, i)
				}
			})
		}
		wg.Wait()
		l.Close()
		text, writes := w.text()
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		assert.Len(t, lines, 8000)
		seen := map[string]bool{}
		for _, line := range lines {
			assert.Regexp(t, `^g\d line \d{4}$`, line)
			seen[line] = true
		}
		assert.Len(t, seen, 8000, "each line once")
		assert.Less(t, writes, 8000/10, "lines go out in batches")
	})
}

// TestEveryRequestIsLoggedByTheStop: the access log keeps a line for each request, and a stop
// writes what the buffer held: none is lost.
func TestEveryRequestIsLoggedByTheStop(t *testing.T) {
	addr, stop := runWithLogs(t, "--addr", "127.0.0.1:0", "--log-format", "json")
	const n = 300
	for i := range n {
		createV3(t, addr, 1, fmt.Sprintf("logged-%d", i))
	}
	assert.Equal(t, n, strings.Count(stop(), `"msg":"request"`))
}
