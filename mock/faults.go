package mock

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cmdbmock/cmdbmock/spec"
)

// FaultRule makes the mock misbehave on purpose for the requests it matches, so that a caller's
// retries, timeouts and error handling can be tested.
type FaultRule struct {
	ID    string     `json:"id"`
	Match FaultMatch `json:"match"`

	// What happens; a delay may come with any of the others.
	Code       int    `json:"code,omitempty"`         // answer with this CMDB code (1306xxx: a gateway error)
	Message    string `json:"message,omitempty"`      // and this message
	HTTPStatus int    `json:"http_status,omitempty"`  // answer with this HTTP status (and the envelope)
	DelayMS    int    `json:"delay_ms,omitempty"`     // wait this long first
	DelayMaxMS int    `json:"delay_max_ms,omitempty"` // or a random wait between DelayMS and this
	Drop       bool   `json:"drop,omitempty"`         // close the connection without an answer

	Times       int     `json:"times,omitempty"`       // fire for the next N matches; 0: every match
	Probability float64 `json:"probability,omitempty"` // fire with this probability; 0: always
	Seed        uint64  `json:"seed,omitempty"`        // seeds the probability and the random delay

	Fired int `json:"fired"` // how often it fired

	name *regexp.Regexp
	rng  *rand.Rand
}

// FaultMatch selects requests; empty fields match all.
type FaultMatch struct {
	Surface string `json:"surface,omitempty"`     // esb or v3
	BizID   int64  `json:"bk_biz_id,omitempty"`   //
	SetName string `json:"bk_set_name,omitempty"` // a regular expression
	User    string `json:"user,omitempty"`        //
	Path    string `json:"path,omitempty"`        // a route such as /api/v3/set/:bk_biz_id
}

// Faults holds the fault rules of a mock. It is safe for concurrent use.
type Faults struct {
	mu     sync.Mutex
	rules  []*FaultRule
	lastID int
	count  atomic.Int32 // len(rules), read without the lock on every request
}

// MaxFaultRules bounds the rules at once: each request is matched against every rule, so 5,000
// rules cut the mock's throughput fourteenfold.
const MaxFaultRules = 100

// MaxFaultDelayMS bounds a rule's delay, an hour: longer than any client waits, and far from
// the end of time.Duration, past which the wait and its random window wrapped.
const MaxFaultDelayMS = 3_600_000

// Add checks and installs a rule, and returns it with its id.
func (f *Faults) Add(r FaultRule) (FaultRule, error) {
	r, err := r.checked()
	if err != nil {
		return r, err
	}
	r.rng = rand.New(rand.NewPCG(r.Seed, r.Seed))
	r.Fired = 0
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.rules) >= MaxFaultRules {
		return r, fmt.Errorf("at most %d fault rules at once: every request is matched against each", MaxFaultRules)
	}
	f.lastID++
	r.ID = strconv.Itoa(f.lastID)
	f.rules = append(f.rules, &r)
	f.count.Store(int32(len(f.rules)))
	return r, nil
}

// List returns the rules in the order they are tried.
func (f *Faults) List() []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultRule, len(f.rules))
	for i, r := range f.rules {
		out[i] = *r
	}
	return out
}

// Delete removes a rule; it reports whether there was one.
func (f *Faults) Delete(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.rules)
	f.rules = slices.DeleteFunc(f.rules, func(r *FaultRule) bool { return r.ID == id })
	f.count.Store(int32(len(f.rules)))
	return len(f.rules) < n
}

// Clear removes every rule.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
	f.count.Store(0)
}

// firing is a fault decided for one request.
type firing struct {
	rule  FaultRule
	delay time.Duration
}

// pick returns the first rule that matches the call and fires, and counts it. A rule spent by
// Times stays listed, with its count, and fires no more.
func (f *Faults) pick(route string, c *call) (firing, bool) {
	if f.count.Load() == 0 {
		return firing{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if r.Times > 0 && r.Fired >= r.Times || !r.matches(route, c) {
			continue
		}
		if r.Probability > 0 && r.rng.Float64() >= r.Probability {
			continue
		}
		r.Fired++
		fr := firing{rule: *r, delay: time.Duration(r.DelayMS) * time.Millisecond}
		if r.DelayMaxMS > r.DelayMS {
			fr.delay += time.Duration(r.rng.IntN(r.DelayMaxMS-r.DelayMS+1)) * time.Millisecond
		}
		return fr, true
	}
	return firing{}, false
}

// checked is the rule as Add takes it: its fields in range, its name pattern compiled, a code's
// message given a default.
func (r FaultRule) checked() (FaultRule, error) {
	if r.Match.Surface != "" && r.Match.Surface != "esb" && r.Match.Surface != "v3" {
		return r, fmt.Errorf("match.surface %q: want esb or v3", r.Match.Surface)
	}
	if r.Match.SetName != "" {
		re, err := regexp.Compile(r.Match.SetName)
		if err != nil {
			return r, fmt.Errorf("match.bk_set_name: %w", err)
		}
		r.name = re
	}
	switch {
	case r.Code == 0 && r.HTTPStatus == 0 && r.DelayMS == 0 && r.DelayMaxMS == 0 && !r.Drop:
		return r, errors.New("a rule needs an effect: code, http_status, delay_ms or drop")
	case r.Code < 0 || r.Times < 0 || r.DelayMS < 0 || r.Probability < 0 || r.Probability > 1:
		return r, errors.New("code, times, delay_ms and probability cannot be negative; probability is at most 1")
	case r.HTTPStatus != 0 && (r.HTTPStatus < 200 || r.HTTPStatus > 599):
		return r, fmt.Errorf("http_status %d is not an HTTP status", r.HTTPStatus)
	case r.DelayMaxMS != 0 && r.DelayMaxMS < r.DelayMS:
		return r, errors.New("delay_max_ms is less than delay_ms")
	case r.DelayMS > MaxFaultDelayMS || r.DelayMaxMS > MaxFaultDelayMS:
		return r, fmt.Errorf("delay_ms and delay_max_ms are at most %d (an hour)", MaxFaultDelayMS)
	case r.Code != 0 && r.Message == "":
		r.Message = "fault injected by cmdbmock"
	}
	return r, nil
}

func (r *FaultRule) matches(route string, c *call) bool {
	m := r.Match
	name, _ := c.data["bk_set_name"].(string)
	return (m.Surface == "" || m.Surface == string(c.surface)) &&
		(m.Path == "" || m.Path == route) &&
		(m.BizID == 0 || m.BizID == c.requestedBiz()) &&
		(m.User == "" || m.User == c.creds.user()) &&
		(r.name == nil || r.name.MatchString(name))
}

// injectFault applies the first fault rule that fires for the call: a delay, then a dropped
// connection or a chosen answer. A delay alone lets the call go on; a stop ends the delay.
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
		case <-s.closing: // a stop waits on no delay of the mock's own: the call goes on
			t.Stop()
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
			code, message = spec.CodeMock, http.StatusText(status)
		}
		m := spec.Message{Code: code, Layer: spec.LayerOf(code), En: message}
		return c, true, s.write(ec, c, status, failed(m, message, nil))
	}
	return c, false, nil
}
