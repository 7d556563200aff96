package mock

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cmdbmock/cmdbmock/spec"
)

// callKey is where a CMDB route leaves its call for observe.
const callKey = "cmdbmock.call"

// begin reads a call on either surface. When the call is answered already (a body over the
// limit, a fault) it returns done.
func (s *Server) begin(ec echo.Context, surf surface) (c *call, done bool, err error) {
	r := ec.Request()
	body, readErr := io.ReadAll(http.MaxBytesReader(ec.Response(), r.Body, s.cfg.MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(readErr, &tooLarge):
		c = &call{surface: surf}
	case surf == surfaceESB:
		c = s.readESB(r, body)
	default:
		c = s.readV3(r, ec.Param("bk_biz_id"), body)
	}
	// Any other read error leaves a truncated body, which the checks answer as such.
	c.route, c.body, c.requestID = ec.Path(), body, s.cfg.RequestID()
	ec.Set(callKey, c)
	if tooLarge != nil {
		return c, true, s.write(ec, c, http.StatusRequestEntityTooLarge,
			failed(spec.MsgBodyTooLarge, spec.MsgBodyTooLarge.Format(spec.English, s.cfg.MaxBody), nil))
	}
	return s.injectFault(ec, c)
}

// injectFault applies the first fault rule that fires for the call: a delay, then a dropped
// connection or a chosen answer. A delay alone lets the call go on.
func (s *Server) injectFault(ec echo.Context, c *call) (*call, bool, error) {
	fr, ok := s.faults.pick(c.route, c)
	if !ok {
		return c, false, nil
	}
	c.fault = fr.rule.ID
	if fr.delay > 0 {
		t := time.NewTimer(fr.delay)
		select {
		case <-ec.Request().Context().Done():
			t.Stop()
			return c, true, nil
		case <-t.C:
		}
	}
	rule := fr.rule
	switch {
	case rule.Drop:
		conn, _, err := http.NewResponseController(ec.Response()).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return c, true, nil
	case rule.Code != 0 || rule.HTTPStatus != 0:
		status := rule.HTTPStatus
		if status == 0 {
			status = http.StatusOK
		}
		code, message := rule.Code, rule.Message
		if code == 0 {
			code, message = internalErrorCode, http.StatusText(status)
		}
		layer := spec.LayerCMDB
		if code/1000 == 1306 {
			layer = spec.LayerESB
		}
		m := spec.Message{Code: code, Layer: layer, En: message}
		return c, true, s.write(ec, c, status, failed(m, message, nil))
	}
	return c, false, nil
}

// finish runs the steps of an operation over a call and answers: the first failure, or what
// ok makes of the call once every step passed.
func (s *Server) finish(ec echo.Context, c *call, steps []boundStep, ok func(*call) answer) error {
	a, failedStep := s.runSteps(c, steps)
	for _, w := range c.warnings {
		s.log.Warn("accepted a probable caller's bug", "path", ec.Request().URL.Path, "request_id", c.requestID, "warning", w)
	}
	if !failedStep {
		a = ok(c)
	}
	return s.write(ec, c, http.StatusOK, a)
}

// createSet answers create_set on either surface.
func (s *Server) createSet(ec echo.Context, surf surface) error {
	c, done, err := s.begin(ec, surf)
	if done {
		return err
	}
	s.validate(c)
	return s.finish(ec, c, s.steps, func(c *call) answer { return succeeded(c.created) })
}

// seedBuiltIns stores the fixtures' built-in sets that the store lacks, as full records.
func (s *Server) seedBuiltIns() {
	for _, b := range s.fixtures().Businesses {
		for _, set := range b.Sets {
			if _, exists := s.store.Set(set.ID); exists {
				continue
			}
			parent := set.ParentID
			if parent == 0 {
				parent = b.ID
			}
			c := &call{bizID: b.ID, parentID: parent, name: set.Name, def: set.Default, creds: credentials{Username: systemUser}}
			rec := s.buildRecord(c, false)
			rec["bk_set_id"] = set.ID
			s.store.put(rec, set.Modules)
		}
	}
}

// observe wraps the CMDB routes: it journals, counts, times and logs every call.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ec echo.Context) error {
		start := time.Now()
		err := next(ec)
		elapsed := time.Since(start)
		r := ec.Request()
		e := Entry{
			Time: start, DurationMS: float64(elapsed.Microseconds()) / 1000,
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Status: ec.Response().Status, rawHeaders: r.Header.Clone(),
		}
		surface, code := "", -1
		if c, ok := ec.Get(callKey).(*call); ok {
			e.RequestID, e.User, e.BizID = c.requestID, c.creds.user(), c.requestedBiz()
			e.Warnings, e.Fault, e.rawBody, e.Response = c.warnings, c.fault, c.body, string(c.response)
			if c.answered {
				e.Code, code = &c.code, c.code
			}
			surface = c.surfaceName()
		}
		s.journal.add(e)
		s.metrics.observe(surface, ec.Path(), code, elapsed)
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", e.Status, "code", code,
			"request_id", e.RequestID, "user", e.User, "duration_ms", e.DurationMS)
		return err
	}
}
