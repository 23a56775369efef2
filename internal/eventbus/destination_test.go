package eventbus_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	eventsapi "github.com/seclake/seclake/internal/api/events"
	"github.com/seclake/seclake/internal/eventbus"
)

// endpoint records the calls it gets and answers with status.
type endpoint struct {
	mu     sync.Mutex
	bodies []string
	users  []string
	status int
}

func newEndpoint(t *testing.T, status int) (*endpoint, string) {
	e := &endpoint{status: status}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		user, pass, _ := r.BasicAuth()
		if pass != "pw" {
			user = "wrong password"
		}
		e.mu.Lock()
		e.bodies, e.users = append(e.bodies, string(b)), append(e.users, user)
		status := e.status
		e.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return e, srv.URL
}

func (e *endpoint) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.bodies)
}

func newDestinationEnv(t *testing.T, url string, rate int) (*env, string) {
	t.Helper()
	e := newEnv(t)
	svc, err := eventbus.New(eventbus.Config{Store: e.st.Meta, Seal: e.st.Seal, Authz: e.st.IAM, HTTP: eventsapi.NewInvoker(5 * time.Second),
		Clock: e.clk})
	require.NoError(t, err)
	e.svc = svc
	conn, err := svc.CreateConnection(ctx, rootOf(acct), "basic", "", eventbus.AuthBasic, eventbus.ConnectionAuth{Username: "lake", Password: "pw"})
	require.NoError(t, err)
	d, err := svc.CreateAPIDestination(ctx, rootOf(acct), eventbus.APIDestinationInput{Name: "ep", ConnectionARN: conn.ARN, Endpoint: url,
		Method: "POST", RateLimit: rate})
	require.NoError(t, err)
	return e, d.ARN
}

func TestAPIDestinationRateLimit(t *testing.T) {
	ep, url := newEndpoint(t, http.StatusOK)
	e, dest := newDestinationEnv(t, url, 1)
	e.rule(t, "r", `{"source":["app"]}`, eventbus.Target{ID: "ep", ARN: dest})
	for range 3 {
		e.put(t, rootOf(acct), "", "app", `{}`)
	}
	require.Equal(t, 3, e.deliver(t))
	require.Equal(t, 1, ep.count(), "one call a second: the others wait their turn, no attempt counted")
	e.clk.Advance(time.Second)
	e.deliver(t)
	require.Equal(t, 2, ep.count())
	e.clk.Advance(time.Second)
	e.deliver(t)
	require.Equal(t, 3, ep.count())
	require.Equal(t, []string{"lake", "lake", "lake"}, ep.users, "basic authorization from the sealed connection")
	fs, err := e.svc.Failures(ctx, acct, "us-east-1")
	require.NoError(t, err)
	require.Empty(t, fs, "waiting for the rate limit is no failure")
}

func TestAPIDestinationClientErrorIsNotRetried(t *testing.T) {
	ep, url := newEndpoint(t, http.StatusBadRequest)
	e, dest := newDestinationEnv(t, url, 10)
	e.rule(t, "r", `{"source":["app"]}`, eventbus.Target{ID: "ep", ARN: dest})
	e.put(t, rootOf(acct), "", "app", `{}`)
	require.Equal(t, 1, e.deliver(t))
	e.clk.Advance(time.Hour)
	require.Zero(t, e.deliver(t))
	require.Equal(t, 1, ep.count())
	fs, err := e.svc.Failures(ctx, acct, "us-east-1")
	require.NoError(t, err)
	require.Len(t, fs, 1)
	require.Equal(t, eventbus.FailureKept, fs[0].State)
	require.Contains(t, fs[0].Reason, "answered 400")
}

func TestUpdateConnectionAndDestination(t *testing.T) {
	ep, url := newEndpoint(t, http.StatusOK)
	e, dest := newDestinationEnv(t, url+"/old", 10)
	e.rule(t, "r", `{"source":["app"]}`, eventbus.Target{ID: "ep", ARN: dest})
	conn, err := e.svc.UpdateConnection(ctx, rootOf(acct), "basic", "rotated", "", eventbus.ConnectionAuth{Username: "lake2"})
	require.NoError(t, err)
	require.Equal(t, "lake2", conn.Public.Username)
	require.Empty(t, conn.Public.Password, "the public view holds no secret")
	d, err := e.svc.UpdateAPIDestination(ctx, rootOf(acct), eventbus.APIDestinationInput{Name: "ep", Endpoint: url + "/new", RateLimit: 5})
	require.NoError(t, err)
	require.Equal(t, 5, d.RateLimit)
	require.Equal(t, "POST", d.Method, "fields not given keep their values")
	_, err = e.svc.UpdateAPIDestination(ctx, rootOf(acct), eventbus.APIDestinationInput{Name: "ep", Method: "FETCH"})
	require.Error(t, err)
	_, err = e.svc.UpdateConnection(ctx, rootOf(acct), "basic", "", eventbus.AuthAPIKey, eventbus.ConnectionAuth{APIKeyName: "k"})
	require.ErrorContains(t, err, "ApiKeyValue", "a new authorization type needs its whole authorization")

	e.put(t, rootOf(acct), "", "app", `{}`)
	require.Equal(t, 1, e.deliver(t))
	require.Equal(t, []string{"lake2"}, ep.users, "the password kept, the user name changed")
}

func TestRedriveSendsKeptFailuresAgain(t *testing.T) {
	ep, url := newEndpoint(t, http.StatusBadRequest)
	e, dest := newDestinationEnv(t, url, 10)
	e.rule(t, "r", `{"source":["app"]}`, eventbus.Target{ID: "ep", ARN: dest, InputPath: "$.detail"})
	e.put(t, rootOf(acct), "", "app", `{"n":7}`)
	require.Equal(t, 1, e.deliver(t))
	fs, err := e.svc.Failures(ctx, acct, "us-east-1")
	require.NoError(t, err)
	require.Len(t, fs, 1)
	require.Equal(t, eventbus.FailureKept, fs[0].State)

	ep.mu.Lock()
	ep.status = http.StatusOK // the endpoint is fixed
	ep.mu.Unlock()
	n, err := eventbus.Redrive(ctx, e.st.Meta, e.clk.Now(), acct, "us-east-1")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, 1, e.deliver(t))
	require.Equal(t, 2, ep.count())
	ep.mu.Lock()
	require.Equal(t, `{"n":7}`, ep.bodies[1], "the kept event, unsealed")
	ep.mu.Unlock()
	fs, err = e.svc.Failures(ctx, acct, "us-east-1")
	require.NoError(t, err)
	require.Empty(t, fs)
	n, err = eventbus.Redrive(ctx, e.st.Meta, e.clk.Now(), acct, "us-east-1")
	require.NoError(t, err)
	require.Zero(t, n)
}
