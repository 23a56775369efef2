package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/eventbus"
)

// Invoker calls API destinations' endpoints over HTTP(S), applying their connections' authorization: an API key
// header, basic credentials, or an OAuth client-credentials token that it fetches and keeps until it expires.
type Invoker struct {
	Client *http.Client
	mu     sync.Mutex
	tokens map[string]token
}

type token struct {
	value   string
	expires time.Time
}

// NewInvoker returns an Invoker whose calls time out after timeout (EventBridge waits at most 5 s).
func NewInvoker(timeout time.Duration) *Invoker {
	return &Invoker{Client: &http.Client{Timeout: timeout}, tokens: map[string]token{}}
}

// Invoke makes the call and returns the response status.
func (v *Invoker) Invoke(ctx context.Context, r *eventbus.HTTPRequest) (int, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return 0, err
	}
	q := u.Query()
	for k, val := range r.Query {
		q.Set(k, val)
	}
	var body io.Reader
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		body = bytes.NewReader(r.Body)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return 0, err
	}
	for k, val := range r.Header {
		req.Header.Set(k, val)
	}
	req.Header.Set("User-Agent", "Amazon/EventBridge/ApiDestinations")
	switch r.AuthType {
	case eventbus.AuthAPIKey:
		req.Header.Set(r.Auth.APIKeyName, r.Auth.APIKeyValue)
	case eventbus.AuthBasic:
		req.SetBasicAuth(r.Auth.Username, r.Auth.Password)
	case eventbus.AuthOAuth:
		tok, err := v.token(ctx, r)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := v.Client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized && r.AuthType == eventbus.AuthOAuth {
		v.mu.Lock()
		delete(v.tokens, r.Connection)
		v.mu.Unlock()
	}
	return resp.StatusCode, nil
}

// token returns the connection's OAuth access token, fetching a new one with the client credentials when none
// is kept or it has expired.
func (v *Invoker) token(ctx context.Context, r *eventbus.HTTPRequest) (string, error) {
	v.mu.Lock()
	t, ok := v.tokens[r.Connection]
	v.mu.Unlock()
	if ok && time.Now().Before(t.expires) {
		return t.value, nil
	}
	a := r.Auth
	form := url.Values{"grant_type": {"client_credentials"}}
	if p := a.OAuthParameters; p != nil {
		for k, val := range p.QueryStringParameters {
			form.Set(k, val)
		}
	}
	method := a.HTTPMethod
	endpoint := a.AuthorizationEndpoint
	var body io.Reader
	if method == http.MethodGet {
		endpoint += "?" + form.Encode()
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, body)
	if err != nil {
		return "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(a.ClientID, a.ClientSecret)
	if p := a.OAuthParameters; p != nil {
		for k, val := range p.HeaderParameters {
			req.Header.Set(k, val)
		}
	}
	resp, err := v.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch an OAuth token from %s: %w", a.AuthorizationEndpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("the OAuth endpoint %s answered %d to the client credentials", a.AuthorizationEndpoint, resp.StatusCode)
	}
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("the OAuth endpoint %s answered no access_token", a.AuthorizationEndpoint)
	}
	if out.ExpiresIn <= 0 {
		out.ExpiresIn = 3600
	}
	v.mu.Lock()
	v.tokens[r.Connection] = token{value: out.AccessToken, expires: time.Now().Add(time.Duration(out.ExpiresIn)*time.Second - 30*time.Second)}
	v.mu.Unlock()
	return out.AccessToken, nil
}
