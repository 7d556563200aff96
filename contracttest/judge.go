package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/internal/lazyre"
	"github.com/cmdbmock/cmdbmock/spec"
)

// answer is an envelope as the target wrote it.
type answer struct {
	Result     bool
	Code       int64
	Message    string
	Permission json.RawMessage // nil when the key is absent
	RequestID  string
	Data       map[string]any // nil unless data is an object
	List       []any          // nil unless data is a list
	dataNull   bool
}

var requestIDPattern = lazyre.New(`^[0-9a-f]{32}$`)

// judge checks an exchange against the envelope's rules and the spec, and returns the answer
// with every broken rule. An exchange that was not sent has neither.
func (c *client) judge(ctx context.Context, ex *Exchange) (*answer, []string) {
	if ex.NotSent {
		return nil, nil
	}
	if ex.Error != "" {
		return nil, []string{"request failed: " + ex.Error}
	}
	var reasons []string
	failf := func(format string, args ...any) { reasons = append(reasons, fmt.Sprintf(format, args...)) }

	if mt, _, err := mime.ParseMediaType(ex.header.Get("Content-Type")); err != nil || mt != "application/json" {
		failf("content type %q is not application/json", ex.header.Get("Content-Type"))
	}
	if err := c.cfg.Spec.ValidateResponse(ctx, ex.Operation, ex.Status, ex.header, ex.body); err != nil {
		failf("the answer does not match spec/openapi.yaml (%s): %s", ex.Operation, oneLine(err.Error()))
	}

	var keys map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(ex.body))
	dec.UseNumber()
	switch err := jsonx.DecodeWhole(dec, &keys); {
	case errors.Is(err, jsonx.ErrTrailing):
		// A client's JSON decoder (Python's json.loads, Go's json.Unmarshal) refuses it whole.
		failf("the body is not one JSON object: something follows it")
		return nil, reasons
	case err != nil:
		failf("the body is not a JSON object: %v", err)
		return nil, reasons
	}
	a := &answer{}
	if err := json.Unmarshal(keys["result"], &a.Result); err != nil {
		failf("result is not a boolean")
	}
	// The API server's own answers on v3 keep CMDB's key names (reference §2.2 b, c).
	codeKey, messageKey := "code", "message"
	_, apiServer := keys["bk_error_code"]
	if apiServer {
		codeKey, messageKey = "bk_error_code", "bk_error_msg"
	}
	switch code := decodeNumber(keys[codeKey]).(type) {
	case json.Number:
		var err error
		if a.Code, err = code.Int64(); err != nil {
			failf("%s %s is not an integer", codeKey, code)
		}
	default:
		failf("%s %s is not a number", codeKey, keys[codeKey])
	}
	if err := json.Unmarshal(keys[messageKey], &a.Message); err != nil {
		failf("%s is not a string", messageKey)
	}
	if a.Result != (a.Code == 0) {
		failf("result is %v with code %d: result must be true exactly when code is 0", a.Result, a.Code)
	}
	_, gateway := keys["code_name"]
	c.judgeStatus(ex, a, gateway, failf)
	if c.cfg.Surface == SurfaceV3 {
		judgeV3Keys(ex.body, keys, a, apiServer, gateway, failf)
	} else if order := jsonx.TopKeys(ex.body); !inOrder(order, esbKeyOrder) {
		failf("keys %v: ESB writes them in the order %v", order, esbKeyOrder)
	}

	a.dataNull = string(keys["data"]) == "null"
	data := json.NewDecoder(bytes.NewReader(keys["data"]))
	data.UseNumber()
	if raw := keys["data"]; len(raw) > 0 && raw[0] == '[' {
		_ = data.Decode(&a.List)
	} else {
		_ = data.Decode(&a.Data)
	}
	if !a.Result {
		if a.Message == "" {
			failf("message is empty on a failure")
		}
		if _, has := keys["data"]; has && !a.dataNull {
			failf("data is %s on a failure: it must be null", keys["data"])
		}
	}

	perm, hasPerm := keys["permission"]
	switch layer := spec.LayerOf(int(a.Code)); {
	case layer == spec.LayerGateway:
	case layer == spec.LayerESB:
		if hasPerm {
			failf("permission key on a gateway error (code %d): ESB's own errors carry none", a.Code)
		}
	case !hasPerm:
		failf("no permission key: CMDB answers carry one")
	case a.Code == 9900403:
		if string(perm) == "null" {
			failf("permission is null on 9900403: it must say what is missing")
		}
	case string(perm) != "null":
		failf("permission is %s on code %d: it must be null except on 9900403", perm, a.Code)
	}
	if hasPerm {
		a.Permission = perm
	}

	if c.cfg.Surface == SurfaceESB {
		raw, has := keys["request_id"]
		switch {
		case has:
			if err := json.Unmarshal(raw, &a.RequestID); err != nil || !requestIDPattern().MatchString(a.RequestID) {
				failf("request_id %s is not 32 lowercase hex digits", raw)
			}
		case spec.LayerOf(int(a.Code)) != spec.LayerESB:
			// ESB answers some of its own errors before the component runs, without one (a
			// malformed body or credentials header); every other answer has one.
			failf("no request_id on code %d: only ESB's own errors may lack one", a.Code)
		}
	} else if ex.header.Get("X-Request-Id") == "" {
		failf("no X-Request-Id header")
	}
	return a, reasons
}

// judgeStatus checks the HTTP status: CMDB and ESB answer 200; only the API gateway's own errors
// are 4xx, and they say so in X-Bkapi-Error-Code, which the gateway SDKs read.
func (c *client) judgeStatus(ex *Exchange, a *answer, gateway bool, failf func(string, ...any)) {
	switch {
	case !gateway && ex.Status != 200:
		failf("HTTP status %d: CMDB answers every call with 200", ex.Status)
	case gateway && c.cfg.Surface == SurfaceESB:
		failf("an API gateway error (code %d) on ESB", a.Code)
	case gateway && (ex.Status < 400 || ex.Status > 599):
		failf("HTTP status %d on the API gateway's error %d: it must be 4xx or 5xx", ex.Status, a.Code)
	case gateway && ex.header.Get(spec.HeaderGatewayErrorCode) != strconv.FormatInt(a.Code, 10):
		failf("%s is %q on the API gateway's error %d", spec.HeaderGatewayErrorCode, ex.header.Get(spec.HeaderGatewayErrorCode), a.Code)
	}
}

// esbKeyOrder is the order of ESB's keys: the component's dict, then the request_id ESB adds
// (reference §2.1).
var esbKeyOrder = []string{"result", "code", "data", "message", "permission", "request_id"}

// inOrder reports whether keys come in the order of want, each at most once, none unknown.
func inOrder(keys, want []string) bool {
	next := 0
	for _, k := range keys {
		i := slices.Index(want, k)
		if i < next {
			return false
		}
		next = i + 1
	}
	return true
}

// apiServerCodes are the codes CMDB's API server writes itself, which keep CMDB's key names on v3.
var apiServerCodes = map[int64]bool{9900403: true, 1199045: true, 1199046: true}

// judgeV3Keys checks the keys of a v3 answer: the API server's own answers keep bk_error_code and
// bk_error_msg and have no code or message; the topo server's, renamed, end with code and message
// (reference §2.2).
func judgeV3Keys(body []byte, keys map[string]json.RawMessage, a *answer, apiServer, gateway bool, failf func(string, ...any)) {
	_, hasCode := keys["code"]
	switch {
	case gateway:
	case apiServer:
		if hasCode {
			failf("both code and bk_error_code in one answer")
		}
		if a.Code != 1199998 {
			if _, has := keys["data"]; has {
				failf("data key on the API server's answer %d: it has none", a.Code)
			}
		}
	case apiServerCodes[a.Code]:
		failf("code %d written as code/message: CMDB's API server answers it with bk_error_code and bk_error_msg", a.Code)
	default:
		order := jsonx.TopKeys(body)
		if n := len(order); n < 2 || !(order[n-2] == "code" && order[n-1] == "message" || order[n-2] == "message" && order[n-1] == "code") {
			failf("keys %v: the API server renames bk_error_code and bk_error_msg, which puts code and message last", order)
		}
	}
}

// decodeNumber decodes raw JSON keeping numbers as json.Number; a string stays a string.
func decodeNumber(raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	_ = dec.Decode(&v)
	return v
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
