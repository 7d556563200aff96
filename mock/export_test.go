package mock

import "time"

// SetStreamWriteWait shortens how long a journal stream waits for a reader that does not read;
// set before any stream opens.
func (s *Server) SetStreamWriteWait(d time.Duration) { s.writeWait = d }

// SetCompactEvery lowers how many entries a shared log holds before a snapshot.
func (s *Server) SetCompactEvery(n int) { s.compactEvery.Store(int64(n)) }

// SetRateWindow lengthens the rate limit's window, a second, so that a test's calls fall in one.
func (s *Server) SetRateWindow(d time.Duration) { s.limiter.window = d }
