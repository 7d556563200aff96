package mock

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cmdbmock/cmdbmock/spec"
)

// cmdbRoute serves a CMDB operation on a surface: it reads the call, runs the operation's
// steps and its answer, writes the answer, then journals, counts, times and logs the call. Echo
// stays here, at the edge: an operation sees the call and returns its answer.
func (s *Server) cmdbRoute(surf spec.Surface, op *operation) echo.HandlerFunc {
	return func(ec echo.Context) error {
		start := time.Now()
		c, done, err := s.begin(ec, surf, op)
		if !done {
			err = s.write(ec, c, http.StatusOK, s.serve(op, c))
		}
		s.observe(ec, c, start)
		c.release()
		return err
	}
}

// begin reads a call on either surface. When the call is answered already (a body over the
// limit, a fault) it returns done.
func (s *Server) begin(ec echo.Context, surf spec.Surface, op *operation) (c *call, done bool, err error) {
	r := ec.Request()
	body, readErr := readBody(ec.Response(), r, s.cfg.MaxBody)
	if readErr == nil {
		r.Body = http.NoBody // read whole: Server.ServeHTTP has nothing left of it to drop
	}
	var tooLarge *http.MaxBytesError
	switch {
	case readErr != nil:
		// Too large, or cut short: a client that stops before its Content-Length gets no
		// operation made of what it sent.
		c = newCall()
		c.surface = surf
	case surf == spec.SurfaceESB:
		c = s.readESB(r, body, op)
	default:
		c = s.readV3(r, ec.Param, body)
	}
	c.op = op
	c.ctx, c.route, c.path, c.body, c.requestID = r.Context(), ec.Path(), r.URL.Path, body, s.cfg.RequestID()
	c.rawQuery = r.URL.RawQuery
	switch {
	case errors.As(readErr, &tooLarge):
		return c, true, s.write(ec, c, http.StatusRequestEntityTooLarge,
			failed(spec.MsgBodyTooLarge, spec.MsgBodyTooLarge.Format(spec.English, s.cfg.MaxBody), nil))
	case readErr != nil:
		return c, true, s.write(ec, c, http.StatusBadRequest, failed(spec.MsgBodyCut, spec.MsgBodyCut.Format(spec.English), nil))
	}
	// With a shared store, the call sees the store and the fault rules every replica's writes
	// made before it.
	if a, stale := s.inStep(c); stale {
		return c, true, s.write(ec, c, http.StatusOK, a)
	}
	return s.injectFault(ec, c)
}

// readBody reads a body of at most limit bytes, in one allocation when its length is known. A
// body declared longer is refused by its length, unread: a client that waits to be told to send
// it (Expect: 100-continue) sends nothing, and Server.ServeHTTP reads what any other sends.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	if r.ContentLength <= 0 {
		return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	}
	// Within the limit: net/http reads no further than the declared length.
	buf := make([]byte, r.ContentLength)
	n, err := io.ReadFull(r.Body, buf)
	return buf[:n], err
}

// answeredStatus is the status the caller was sent; 0 when none was: a dropped connection, or a
// caller gone during a delay or cut at the stop, of which Echo's Response still holds its 200.
func answeredStatus(r *echo.Response) int {
	if !r.Committed {
		return 0
	}
	return r.Status
}

// observe journals, counts, times and logs a CMDB call once it is answered.
func (s *Server) observe(ec echo.Context, c *call, start time.Time) {
	elapsed := time.Since(start)
	r := ec.Request()
	e := Entry{
		Time: start.In(s.cfg.Location), DurationMS: float64(elapsed.Microseconds()) / 1000,
		Surface: string(c.surface), Call: string(c.op.op),
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		// The user is cut from the request (a body of up to --max-body): a copy keeps no more.
		Status: answeredStatus(ec.Response()), RequestID: c.requestID, User: strings.Clone(c.creds.user()), BizID: c.requestedBiz(),
		Warnings: c.warnings, Fault: c.fault,
		// Kept as they came and masked when read: the request is done with them.
		rawHeaders: r.Header, rawBody: c.body, rawResponse: c.response, rawCreated: c.createdAnswer,
	}
	code := -1
	if c.answered {
		e.rawCode, e.answered, code = c.code, true, c.code
	}
	s.journal.add(e)
	s.metrics.observe(string(c.surface), c.route, code, elapsed)
	// The line goes straight to the handler: a record made by the Logger would look up the
	// caller's frame, which no handler of the mock's writes.
	if ctx, h := r.Context(), s.log.Handler(); h.Enabled(ctx, slog.LevelInfo) {
		rec := slog.NewRecord(start.Add(elapsed), slog.LevelInfo, "request", 0)
		rec.AddAttrs(slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", e.Status),
			slog.Int("code", code), slog.String("request_id", e.RequestID), slog.String("user", e.User),
			slog.Float64("duration_ms", e.DurationMS))
		_ = h.Handle(ctx, rec)
	}
}
