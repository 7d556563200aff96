package main

import (
	"io"
	"sync"
	"time"
)

// logWriter buffers the log: the lines of many requests go out in one write, on a short timer,
// when the buffer fills and on Close, so that a stop loses nothing that was logged and a kill -9
// at most the last interval. A write to the log then costs a copy, not a system call.
type logWriter struct {
	mu  sync.Mutex // guards buf
	buf []byte
	// out is taken before mu is let go by a flush and held while it writes: flushes write in
	// the order they took their lines.
	out  sync.Mutex
	w    io.Writer
	size int

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// newLogWriter buffers up to size bytes for w, and flushes them every interval.
func newLogWriter(w io.Writer, size int, every time.Duration) *logWriter {
	l := &logWriter{w: w, size: size, buf: make([]byte, 0, size), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.Flush()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

// Write keeps p for the next flush; a p that would overfill the buffer flushes it first, and one
// larger than the buffer goes out at once.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	if len(l.buf)+len(p) > l.size {
		l.flushLocked()
		l.mu.Lock()
	}
	if len(p) >= l.size {
		l.out.Lock()
		l.mu.Unlock()
		defer l.out.Unlock()
		return l.w.Write(p)
	}
	l.buf = append(l.buf, p...)
	l.mu.Unlock()
	return len(p), nil
}

// Flush writes what is buffered.
func (l *logWriter) Flush() {
	l.mu.Lock()
	l.flushLocked()
}

// flushLocked takes the buffered lines, lets mu go and writes them.
func (l *logWriter) flushLocked() {
	if len(l.buf) == 0 {
		l.mu.Unlock()
		return
	}
	lines := l.buf
	l.buf = make([]byte, 0, l.size)
	l.out.Lock()
	l.mu.Unlock()
	_, _ = l.w.Write(lines) // a log that cannot be written (a closed terminal) stops nothing
	l.out.Unlock()
}

// Close stops the timer and writes what is left.
func (l *logWriter) Close() {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
	})
	l.Flush()
}
