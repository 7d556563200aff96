package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// answer is what a call gets, before it is put in the surface's envelope.
type answer struct {
	layer      spec.Layer
	code       int
	message    string
	permission any
	data       any
	created    *topo.Set // a create's stored set, in place of data
	// noRequestID: an ESB answer written before its component runs carries no request_id.
	noRequestID bool
}

func succeeded(data any) answer {
	return answer{layer: spec.LayerCMDB, message: "success", data: data}
}

func failed(m spec.Message, text string, permission any) answer {
	return answer{layer: m.Layer, code: m.Code, message: text, permission: permission}
}

// envelope is CMDB's answer as ESB and the API gateway write it, keys in the real order.
type envelope struct {
	Result     bool   `json:"result"`
	Code       int    `json:"code"`
	Message    string `json:"message"`
	Permission *any   `json:"permission,omitempty"` // absent on ESB's own errors, null otherwise
	RequestID  string `json:"request_id,omitempty"` // ESB only
	Data       any    `json:"data"`
}

// write is the one place that writes a CMDB answer, and keeps it on the call for the journal.
func (s *Server) write(ec echo.Context, c *call, status int, a answer) error {
	setRequestIDs(ec, c)
	c.answered, c.code = true, a.code
	if a.created != nil && a.code == 0 {
		c.createdAnswer = createdAnswer{esb: c.surface == spec.SurfaceESB, requestID: c.requestID, set: *a.created, ok: true}
		return writeCreated(ec, c.createdAnswer)
	}
	env := envelope{Result: a.code == 0, Code: a.code, Message: a.message, Data: a.data}
	if a.layer == spec.LayerCMDB {
		env.Permission = &a.permission
	}
	if c.surface == spec.SurfaceESB && !a.noRequestID {
		env.RequestID = c.requestID
	}
	var err error
	c.response, err = writeJSON(ec, status, env)
	return err
}

// setRequestIDs puts a call's ids in the answer's headers. On v3 the API gateway gives
// X-Bkapi-Request-Id, the call's uuid with dashes, and X-Request-Id, the caller's own when it sent
// one, else the same uuid without dashes (reference §2.2).
func setRequestIDs(ec echo.Context, c *call) {
	h := ec.Response().Header()
	if c.surface != spec.SurfaceV3 {
		h.Set(spec.HeaderRequestID, c.requestID)
		return
	}
	id := c.requestID
	if len(id) == 32 {
		h.Set(spec.HeaderGatewayID, id[:8]+"-"+id[8:12]+"-"+id[12:16]+"-"+id[16:20]+"-"+id[20:])
	}
	if own := ec.Request().Header.Get(spec.HeaderRequestID); own != "" {
		id = own
	}
	h.Set(spec.HeaderRequestID, id)
}

// createdAnswer is the answer to a create that stored a set: the answer of every successful
// create. It is written out again when the journal is read rather than kept as bytes; it holds
// the set by value, whose strings never change, so the bytes are the same.
type createdAnswer struct {
	esb       bool
	requestID string
	set       topo.Set
	ok        bool // there is an answer
}

// appendTo appends the answer byte for byte as writeJSON would write its envelope, without
// reflection.
func (a createdAnswer) appendTo(b []byte) []byte {
	b = append(b, `{"result":true,"code":0,"message":"success","permission":null,`...)
	if a.esb {
		b = append(b, `"request_id":`...)
		b = jsonx.AppendString(b, a.requestID)
		b = append(b, ',')
	}
	b = append(b, `"data":`...)
	b = a.set.AppendJSON(b)
	return append(b, "}\n"...)
}

// answerBuffers hold created answers while they are written; the writer copies them.
var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func writeCreated(ec echo.Context, a createdAnswer) error {
	buf := answerBuffers.Get().(*[]byte)
	*buf = a.appendTo((*buf)[:0])
	w := ec.Response()
	w.Header()[echo.HeaderContentType] = contentTypeJSON
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(*buf)
	if cap(*buf) <= 64<<10 { // a rare canned record's answer may be large: not kept
		answerBuffers.Put(buf)
	}
	return err
}

// contentTypeJSON is shared by every answer; nothing changes a header's values once set.
var contentTypeJSON = []string{echo.MIMEApplicationJSON}

// writeJSON writes v as the real system does: UTF-8, no HTML escaping. It returns the bytes.
func writeJSON(c echo.Context, status int, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	w := c.Response()
	w.Header()[echo.HeaderContentType] = contentTypeJSON
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return buf.Bytes(), err
}

// headersTooLarge answers a request whose headers are over the limit, before anything reads it,
// and says so.
func (s *Server) headersTooLarge(w http.ResponseWriter, r *http.Request) bool {
	size := 0
	for k, vs := range r.Header {
		for _, v := range vs {
			size += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	if size <= s.cfg.MaxHeaderBytes {
		return false
	}
	c := &call{surface: spec.SurfaceESB, requestID: s.cfg.RequestID()}
	if strings.HasPrefix(r.URL.Path, "/api/v3/") {
		c.surface = spec.SurfaceV3
	}
	m := spec.MsgHeadersTooLarge
	_ = s.write(s.echo.NewContext(r, w), c, http.StatusRequestHeaderFieldsTooLarge, failed(m, m.Format(spec.English, s.cfg.MaxHeaderBytes), nil))
	return true
}

// notFound is ESB's answer to a path it does not know.
type notFound struct {
	Result  bool   `json:"result"`
	Data    any    `json:"data"`
	Message string `json:"message"`
}

// routingError answers what Echo could not route (unknown path or method) as ESB does.
func (s *Server) routingError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
	}
	if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		// Not a routing error: a bug of the mock, said as such rather than hidden.
		s.log.Error("request failed", "path", c.Request().URL.Path, "err", err)
		_, _ = writeJSON(c, http.StatusInternalServerError, envelope{Code: spec.CodeMock, Message: "cmdbmock internal error"})
		return
	}
	_, _ = writeJSON(c, http.StatusNotFound, notFound{Message: "The content does not exist"})
}
