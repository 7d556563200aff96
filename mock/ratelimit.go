package mock

import (
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

// allow counts a call of app on a gateway resource at now and reports whether it is within the
// limit. A resource is a method and a path (a call), whichever URL layout reached it.
func (l *rateLimiter) allow(app string, resource spec.Call, now time.Time) bool {
	if l.perSecond <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec := now.Unix(); sec != l.second || l.counts == nil {
		l.second, l.counts = sec, map[rateKey]int{}
	}
	k := rateKey{app, resource}
	if l.counts[k] >= l.perSecond {
		return false
	}
	l.counts[k]++
	return true
}
