package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"regexp"
	"strings"

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
	dataNull   bool
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

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

	if ex.Status != 200 {
		failf("HTTP status %d: CMDB answers every call with 200", ex.Status)
	}
	if mt, _, err := mime.ParseMediaType(ex.header.Get("Content-Type")); err != nil || mt != "application/json" {
		failf("content type %q is not application/json", ex.header.Get("Content-Type"))
	}
	if err := c.cfg.Spec.ValidateResponse(ctx, ex.Operation, ex.Status, ex.header, ex.body); err != nil {
		failf("the answer does not match spec/openapi.yaml (%s): %s", ex.Operation, oneLine(err.Error()))
	}

	var keys map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(ex.body))
	dec.UseNumber()
	if err := dec.Decode(&keys); err != nil {
		failf("the body is not a JSON object: %v", err)
		return nil, reasons
	}
	a := &answer{}
	if err := json.Unmarshal(keys["result"], &a.Result); err != nil {
		failf("result is not a boolean")
	}
	switch code := decodeNumber(keys["code"]).(type) {
	case json.Number:
		var err error
		if a.Code, err = code.Int64(); err != nil {
			failf("code %s is not an integer", code)
		}
	default:
		failf("code %s is not a number", keys["code"])
	}
	if err := json.Unmarshal(keys["message"], &a.Message); err != nil {
		failf("message is not a string")
	}
	if a.Result != (a.Code == 0) {
		failf("result is %v with code %d: result must be true exactly when code is 0", a.Result, a.Code)
	}
	a.dataNull = string(keys["data"]) == "null"
	data := json.NewDecoder(bytes.NewReader(keys["data"]))
	data.UseNumber()
	_ = data.Decode(&a.Data)
	if !a.Result {
		if a.Message == "" {
			failf("message is empty on a failure")
		}
		if !a.dataNull {
			failf("data is %s on a failure: it must be null", keys["data"])
		}
	}

	perm, hasPerm := keys["permission"]
	switch {
	case a.Code/1000 == 1306:
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
			if err := json.Unmarshal(raw, &a.RequestID); err != nil || !requestIDPattern.MatchString(a.RequestID) {
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
