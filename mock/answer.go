package mock

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// answer is what a call gets, before it is put in the surface's envelope.
type answer struct {
	msg        spec.Message // the catalog's entry: its code, layer and, for the gateway, status
	message    string       // its text, filled in
	permission any
	data       any
	created    *topo.Set // a create's stored set, in place of data
	// noRequestID: an ESB answer written before its component runs carries no request_id.
	noRequestID bool
}

func succeeded(data any) answer {
	return answer{msg: spec.Message{Layer: spec.LayerCMDB}, message: "success", data: data}
}

func failed(m spec.Message, text string, permission any) answer {
	return answer{msg: m, message: text, permission: permission}
}

// failure is the answer of one of the catalog's messages in the call's language.
func (c *call) failure(m spec.Message, args ...any) answer {
	return failed(m, m.Format(c.langOf(m), args...), nil)
}

// deleted answers a delete the store has applied: 1101030 when a module it would take holds
// hosts, and then nothing was deleted; else success, data null.
func (c *call) deleted(out outcome) answer {
	if errors.Is(out.err, topo.ErrHasHosts) {
		return c.failure(spec.MsgHasHosts)
	}
	return succeeded(nil)
}

// langOf is the language of a message to the call: ESB's own in Accept-Language's, as Django
// picks it, CMDB's in its language header's.
func (c *call) langOf(m spec.Message) spec.Lang {
	if m.Layer == spec.LayerESB {
		return c.formLang
	}
	return c.lang
}

// The envelopes of CMDB's answers, keys in the order the real system writes them (reference §2).
type (
	// esbEnvelope is ESB's: the component's dict (result, code, data, message, permission),
	// then the request_id ESB adds. CMDB's answers carry a permission, ESB's own do not.
	esbEnvelope struct {
		Result     bool   `json:"result"`
		Code       int    `json:"code"`
		Data       any    `json:"data"`
		Message    string `json:"message"`
		Permission *any   `json:"permission,omitempty"`
		RequestID  string `json:"request_id,omitempty"`
	}
	// v3Envelope is the topo server's answer as the API server passes it to the gateway: it
	// renames bk_error_code and bk_error_msg, which moves them to the end. (It renames them in
	// a random order; the mock writes code first.)
	v3Envelope struct {
		Result     bool   `json:"result"`
		Permission any    `json:"permission"`
		Data       any    `json:"data"`
		Code       int    `json:"code"`
		Message    string `json:"message"`
	}
	// apiServerEnvelope is the API server's own answer (IAM), which nothing renames; with data
	// when it refuses the JWT.
	apiServerEnvelope struct {
		Result     bool   `json:"result"`
		Code       int    `json:"bk_error_code"`
		Message    string `json:"bk_error_msg"`
		Permission any    `json:"permission"`
		Data       *any   `json:"data,omitempty"`
	}
	// gatewayEnvelope is the API gateway's own error.
	gatewayEnvelope struct {
		Code     int    `json:"code"`
		CodeName string `json:"code_name"`
		Data     any    `json:"data"`
		Message  string `json:"message"`
		Result   bool   `json:"result"`
	}
)

// write is the one place that writes a CMDB answer, and keeps it on the call for the journal.
// status is the mock's own HTTP status (413, 431, a fault's); the gateway's errors bring theirs.
func (s *Server) write(ec echo.Context, c *call, status int, a answer) error {
	setGatewayHeaders(ec, c)
	code := a.msg.Code
	c.answered, c.code = true, code
	if a.created != nil && code == 0 {
		c.createdAnswer = createdAnswer{esb: c.surface == spec.SurfaceESB, requestID: c.requestID, set: *a.created, ok: true}
		return writeCreated(ec, c.createdAnswer)
	}
	if data, ok := a.data.(appender); ok && code == 0 {
		// The call holds the buffer until the journal has copied what it keeps of it, at most
		// 64 KiB, rather than a copy of the whole answer being made for the journal to cut:
		// a 297 KB answer went from 249 to 205 us and 2.23 to 1.92 MB allocated through the
		// handler (medians of 6, go test ./mock -bench LongAnswer -count 6).
		c.answerBuf = succeededIn(c.surface == spec.SurfaceESB, c.requestID, data)
		c.response = *c.answerBuf
		return writeBytes(ec, http.StatusOK, c.response)
	}
	var env any
	switch layer := a.msg.Layer; {
	case c.surface == spec.SurfaceESB:
		e := esbEnvelope{Result: code == 0, Code: code, Message: a.message, Data: a.data}
		if layer != spec.LayerESB {
			e.Permission = &a.permission
		}
		if !a.noRequestID {
			e.RequestID = c.requestID
		}
		env = e
	case layer == spec.LayerGateway:
		h := ec.Response().Header()
		h.Set(spec.HeaderGatewayErrorCode, strconv.Itoa(code))
		h.Set(spec.HeaderGatewayErrorMessage, a.message)
		if a.msg.Status != 0 {
			status = a.msg.Status
		}
		env = gatewayEnvelope{Code: code, CodeName: a.msg.CodeName, Message: a.message}
	case layer == spec.LayerAPIServer, layer == spec.LayerJWT:
		e := apiServerEnvelope{Code: code, Message: a.message, Permission: a.permission}
		if layer == spec.LayerJWT {
			e.Data = new(any)
		}
		env = e
	default:
		env = v3Envelope{Result: code == 0, Permission: a.permission, Data: a.data, Code: code, Message: a.message}
	}
	if a.msg.Layer == spec.LayerGateway && c.surface == spec.SurfaceV3 {
		// The gateway names its charset; CMDB does not.
		ec.Response().Header()[echo.HeaderContentType] = contentTypeGateway
	}
	var err error
	c.response, err = writeJSON(ec, status, env)
	return err
}

// setGatewayHeaders puts what the gateway adds in the answer's headers: the call's ids, and on v3
// the rate limit's quota. There the API gateway gives X-Bkapi-Request-Id, the call's uuid with
// dashes, and X-Request-Id, the caller's own when it sent one, else the same uuid without dashes
// (reference §2.2).
func setGatewayHeaders(ec echo.Context, c *call) {
	h := ec.Response().Header()
	if c.surface != spec.SurfaceV3 {
		h.Set(spec.HeaderRequestID, c.requestID)
		return
	}
	c.quota.header(h)
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

// appendTo appends the answer byte for byte as writeJSON would write its envelope.
func (a createdAnswer) appendTo(b []byte) []byte {
	return appendSucceeded(b, a.esb, a.requestID, a.set)
}

// appender is the data of an answer that writes itself as JSON text, as encoding/json would
// write it: its answer is written without reflection.
type appender interface{ AppendJSON([]byte) []byte }

// appendSucceeded appends a success's envelope around data, byte for byte as writeJSON writes
// it: ESB's with the request id, else the topo server's. (data's type is a parameter: a created
// set is not copied to the heap to be passed.)
func appendSucceeded[D appender](b []byte, esb bool, requestID string, data D) []byte {
	if !esb {
		b = append(b, `{"result":true,"permission":null,"data":`...)
		b = data.AppendJSON(b)
		return append(b, `,"code":0,"message":"success"}`+"\n"...)
	}
	b = append(b, `{"result":true,"code":0,"data":`...)
	b = data.AppendJSON(b)
	b = append(b, `,"message":"success","permission":null,"request_id":`...)
	b = jsonx.AppendString(b, requestID)
	return append(b, "}\n"...)
}

// answerBuffers hold answers while they are written, and a call's until the journal has copied
// what it keeps of it.
var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// succeededIn makes a success's answer in a buffer of answerBuffers; putAnswer gives it back.
func succeededIn[D appender](esb bool, requestID string, data D) *[]byte {
	buf := answerBuffers.Get().(*[]byte)
	*buf = appendSucceeded((*buf)[:0], esb, requestID, data)
	return buf
}

// putAnswer gives a buffer back to answerBuffers; a rare long answer's is let go.
func putAnswer(buf *[]byte) {
	if cap(*buf) <= 256<<10 {
		answerBuffers.Put(buf)
	}
}

func writeCreated(ec echo.Context, a createdAnswer) error {
	buf := succeededIn(a.esb, a.requestID, a.set)
	err := writeBytes(ec, http.StatusOK, *buf)
	putAnswer(buf)
	return err
}

// contentTypeJSON is shared by every answer; nothing changes a header's values once set.
var (
	contentTypeJSON    = []string{echo.MIMEApplicationJSON}
	contentTypeGateway = []string{"application/json; charset=utf-8"}
)

// writeJSON writes v as the real system does: UTF-8, no HTML escaping. It returns the bytes.
func writeJSON(c echo.Context, status int, v any) ([]byte, error) {
	b, err := jsonx.Marshal(v)
	if err != nil {
		return nil, err
	}
	b = append(b, '\n') // as an encoder ends it
	return b, writeBytes(c, status, b)
}

// writeBytes writes an answer's JSON text, as JSON unless the answer named its own type. An
// answer longer than net/http's buffer of a body whose length it does not know (2 KiB) is given
// its length: net/http would send it in chunks, which costs a page of 200 sets 5-10% more of
// the server's time (bench/search.lua search_set_page, 50,000 sets, builds in turns).
func writeBytes(c echo.Context, status int, body []byte) error {
	w := c.Response()
	if w.Header()[echo.HeaderContentType] == nil {
		w.Header()[echo.HeaderContentType] = contentTypeJSON
	}
	if len(body) > chunkingAfter {
		w.Header()[echo.HeaderContentLength] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// chunkingAfter is the length of a body past which net/http sends in chunks an answer whose
// length it was not told (its bufferBeforeChunkingSize).
const chunkingAfter = 2048

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
	if strings.HasPrefix(r.URL.Path, "/api/v3/") || strings.HasPrefix(r.URL.Path, gatewayPrefix) {
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
		_, _ = writeJSON(c, http.StatusInternalServerError, esbEnvelope{Code: spec.CodeMock, Message: "cmdbmock internal error"})
		return
	}
	r := c.Request()
	if strings.HasPrefix(r.URL.Path, gatewayPrefix) {
		// The API gateway knows no such resource (reference §2.2).
		call := &call{surface: spec.SurfaceV3, requestID: s.cfg.RequestID()}
		m := spec.MsgGatewayNotFound
		_ = s.write(c, call, http.StatusNotFound, failed(m, m.Format(spec.English, r.Method, r.URL.Path), nil))
		return
	}
	_, _ = writeJSON(c, http.StatusNotFound, notFound{Message: "The content does not exist"})
}

// gatewayPrefix starts every path of CMDB's API gateway.
const gatewayPrefix = "/api/bk-cmdb/"
