package eventbus

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// HTTPRequest is one call of an API destination, with the connection's authorization for the Invoker to apply
// (it fetches and caches OAuth tokens).
type HTTPRequest struct {
	Method, URL string
	Header      map[string]string
	Query       map[string]string
	Body        []byte
	AuthType    string
	Auth        ConnectionAuth
	// Connection names the connection, for the Invoker's token cache.
	Connection string
}

// callDestination calls an API destination target.
func (s *Service) callDestination(ctx context.Context, d *delivery, body []byte) outcome {
	if s.cfg.HTTP == nil {
		return outcome{err: fmt.Errorf("this server cannot call API destinations"), retryable: true}
	}
	var dest *APIDestination
	var conn *Connection
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		parts := strings.SplitN(d.Target.ARN, ":", 6)
		name, _, _ := strings.Cut(strings.TrimPrefix(parts[5], "api-destination/"), "/")
		var err error
		if dest, err = getDestination(tx, parts[4], parts[3], name); err != nil {
			return err
		}
		conn, err = connectionByARN(tx, dest.ConnectionARN)
		return err
	})
	if err != nil {
		return outcome{err: fmt.Errorf("API destination %s: %w", d.Target.ARN, err), retryable: true}
	}
	if wait := s.limits.take(dest.ARN, dest.RateLimit, s.cfg.Clock.Now()); wait > 0 {
		return outcome{wait: wait}
	}
	plain, err := s.cfg.Seal.Open(conn.Sealed, connectionAAD(conn.ARN))
	if err != nil {
		return outcome{err: fmt.Errorf("unseal connection %s: %w", conn.ARN, err)}
	}
	var auth ConnectionAuth
	if err := json.Unmarshal(plain, &auth); err != nil {
		return outcome{err: err}
	}
	req := &HTTPRequest{Method: dest.Method, URL: dest.Endpoint, Header: map[string]string{"Content-Type": "application/json; charset=utf-8"},
		Query: map[string]string{}, Body: body, AuthType: conn.AuthorizationType, Auth: auth, Connection: conn.ARN}
	addParams(req, auth.InvocationParameters)
	addParams(req, d.Target.HTTP)
	if h := d.Target.HTTP; h != nil {
		for _, v := range h.PathParameterValues {
			req.URL = strings.Replace(req.URL, "*", v, 1)
		}
	}
	status, err := s.cfg.HTTP.Invoke(ctx, req)
	switch {
	case err != nil:
		return outcome{err: fmt.Errorf("call %s %s: %w", dest.Method, dest.Endpoint, err), retryable: true}
	case status >= 200 && status < 300:
		return outcome{}
	case status == 429 || status >= 500 || status == 408 || status == 409:
		return outcome{err: fmt.Errorf("%s %s answered %d", dest.Method, dest.Endpoint, status), retryable: true}
	}
	return outcome{err: fmt.Errorf("%s %s answered %d, which EventBridge does not retry", dest.Method, dest.Endpoint, status)}
}

func addParams(req *HTTPRequest, p *HTTPParameters) {
	if p == nil {
		return
	}
	for k, v := range p.HeaderParameters {
		req.Header[k] = v
	}
	for k, v := range p.QueryStringParameters {
		req.Query[k] = v
	}
}

// limiters hold a token bucket per API destination (InvocationRateLimitPerSecond), per node.
type limiters struct {
	mu sync.Mutex
	m  map[string]*limiter
}

type limiter struct {
	tokens float64
	last   time.Time
}

// take spends a token of the destination's bucket, or returns how long until one is there.
func (l *limiters) take(arn string, rate int, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.m[arn]
	if b == nil {
		b = &limiter{tokens: float64(rate), last: now}
		l.m[arn] = b
	}
	b.tokens = min(float64(rate), b.tokens+now.Sub(b.last).Seconds()*float64(rate))
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / float64(rate) * float64(time.Second))
}
