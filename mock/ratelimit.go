package mock

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cmdbmock/cmdbmock/mock/redislog"
	"github.com/cmdbmock/cmdbmock/spec"
)

// rateLimiter is the API gateway's limit of calls a window for one app on one resource
// (reference §2.2): a window is a second from its first call, as the gateway's count in Redis
// lives (blueking-apigateway-apisix src/apisix/plugins/bk-rate-limit/rate-limit-redis.lua:76-85
// @abf2b17). Replicas on one shared store count together in its Redis; a mock alone counts in
// memory, and forgets the windows that have ended once a window, so that its memory is that of
// one window's calls at most.
type rateLimiter struct {
	limit  int           // calls a window; 0: no limit
	window time.Duration // a second
	shared *redislog.Log // nil: counted here

	mu      sync.Mutex
	windows map[rateKey]*rateWindow
	swept   time.Time
}

type rateKey struct {
	app      string
	resource spec.Call
}

// rateWindow is a window's end and the calls left in it.
type rateWindow struct {
	ends time.Time
	left int
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
// limit, and the quota the answer tells: the calls left and the window's seconds to run, the
// whole window on its first call, after it the rest rounded as Redis rounds a TTL. A resource is
// a method and a path (a call), whichever URL layout reached it. When the shared count cannot be
// reached the call passes, as the gateway lets it (its allow_degradation).
func (l *rateLimiter) allow(ctx context.Context, app string, resource spec.Call, now time.Time) (quota, bool) {
	if l.limit <= 0 {
		return quota{}, true
	}
	var left, reset int64
	if l.shared != nil {
		var err error
		if left, reset, err = l.shared.Take(ctx, app+":"+string(resource), l.limit, l.window); err != nil {
			return quota{}, true
		}
	} else {
		left, reset = l.take(rateKey{app, resource}, now)
	}
	return quota{limit: l.limit, remaining: int(max(left, 0)), reset: int(reset)}, left >= 0
}

// take is Log.Take in memory.
func (l *rateLimiter) take(k rateKey, now time.Time) (left, reset int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = map[rateKey]*rateWindow{}
	}
	if now.Sub(l.swept) >= l.window {
		for k, w := range l.windows {
			if !now.Before(w.ends) {
				delete(l.windows, k)
			}
		}
		l.swept = now
	}
	w := l.windows[k]
	if w == nil || !now.Before(w.ends) {
		w = &rateWindow{ends: now.Add(l.window), left: l.limit}
		l.windows[k] = w
	}
	w.left--
	return int64(w.left), int64((w.ends.Sub(now) + time.Second/2) / time.Second)
}
