package mock

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cmdbmock/cmdbmock/spec"
)

// rateLimiter is the API gateway's limit of calls a second for one app on one resource
// (reference §2.2), counted in whole seconds of the mock's clock. Only the current second's
// counts are kept, so its memory is that of one second's calls at most.
type rateLimiter struct {
	perSecond int // 0: no limit

	mu     sync.Mutex
	second int64
	counts map[rateKey]int
}

type rateKey struct {
	app      string
	resource spec.Call
}

// quota is what the gateway tells a caller of a limited resource in every answer past its app
// checks, 429 included: the limit, the calls left in the window and the window's seconds to run
// (blueking-apigateway-apisix src/apisix/plugins/bk-rate-limit/init.lua:123-155 @abf2b17). A zero
// limit: no headers.
type quota struct{ limit, remaining, reset int }

// header writes the quota's headers; the plugin is the one that counts a resource's calls.
func (q quota) header(h http.Header) {
	if q.limit == 0 {
		return
	}
	h[spec.HeaderRateLimit] = []string{strconv.Itoa(q.limit)}
	h[spec.HeaderRateLimitRemaining] = []string{strconv.Itoa(q.remaining)}
	h[spec.HeaderRateLimitReset] = []string{strconv.Itoa(q.reset)}
	h[spec.HeaderRateLimitPlugin] = rateLimitPlugin
}

var rateLimitPlugin = []string{"bk-resource-rate-limit"}

// allow counts a call of app on a gateway resource at now and reports whether it is within the
// limit, and the quota the answer tells. A resource is a method and a path (a call), whichever
// URL layout reached it. The gateway's window is a Redis key that lives a second from its first
// call: its first call is told the whole second, the others the key's TTL, rounded as Redis
// rounds it; here the windows are whole seconds of the clock.
func (l *rateLimiter) allow(app string, resource spec.Call, now time.Time) (quota, bool) {
	if l.perSecond <= 0 {
		return quota{}, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec := now.Unix(); sec != l.second || l.counts == nil {
		l.second, l.counts = sec, map[rateKey]int{}
	}
	k := rateKey{app, resource}
	q := quota{limit: l.perSecond, reset: 1}
	if l.counts[k] > 0 {
		left := time.Second - time.Duration(now.Nanosecond())
		q.reset = int((left + time.Second/2) / time.Second)
	}
	if l.counts[k] >= l.perSecond {
		return q, false
	}
	l.counts[k]++
	q.remaining = l.perSecond - l.counts[k]
	return q, true
}
