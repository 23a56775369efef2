package lake

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/awserr"
)

// Limit is the rate of Security Lake API calls an account may make: Rate calls per second on average, Burst at
// once. A negative Rate is no limit.
type Limit struct {
	Rate  float64
	Burst int
}

// DefaultLimit is the rate limit when none is configured.
var DefaultLimit = Limit{Rate: 20, Burst: 40}

// limiter holds a token bucket per account (per node: each node of a cluster limits what it serves).
type limiter struct {
	mu      sync.Mutex
	limit   Limit
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(l Limit) *limiter {
	if l.Rate == 0 {
		l = DefaultLimit
	}
	if l.Burst <= 0 {
		l.Burst = max(1, int(math.Ceil(l.Rate)))
	}
	return &limiter{limit: l, buckets: map[string]*bucket{}}
}

// take spends a call of account's budget at now, or returns how long until one is there.
func (l *limiter) take(account string, now time.Time) time.Duration {
	if l.limit.Rate < 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[account]
	if b == nil {
		b = &bucket{tokens: float64(l.limit.Burst), last: now}
		l.buckets[account] = b
	}
	b.tokens = min(float64(l.limit.Burst), b.tokens+max(now.Sub(b.last).Seconds(), 0)*l.limit.Rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / l.limit.Rate * float64(time.Second))
}

// throttled is Security Lake's ThrottlingException for an account over its rate: 429, with the seconds to wait in
// Retry-After (and retryAfterSeconds), and the quota's codes.
func throttled(account string, wait time.Duration, l Limit) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return awserr.New("ThrottlingException", awserr.StatusTooManyRequests,
		"Rate exceeded: account %s may make %g Security Lake API calls per second (bursts of %d). Retry after %d s, or raise the server's securityLake.rateLimit.",
		account, l.Rate, l.Burst, secs).
		With("serviceCode", "securitylake").With("quotaCode", "L-SECLAKE-API-RATE").
		WithHeader("Retry-After", strconv.Itoa(secs))
}
