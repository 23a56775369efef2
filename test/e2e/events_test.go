package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hook records the calls an API destination makes.
type hook struct {
	mu     sync.Mutex
	calls  []hookCall
	status int
}

type hookCall struct {
	Path, Auth, APIKey, Body string
}

func newHook(t *testing.T, status int) (*hook, *httptest.Server) {
	h := &hook{status: status}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			user, pass, _ := r.BasicAuth()
			if user != "client-1" || pass != "client-secret" || r.FormValue("grant_type") != "client_credentials" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"tok-123","token_type":"bearer","expires_in":3600}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.calls = append(h.calls, hookCall{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), APIKey: r.Header.Get("x-api-key"), Body: string(b)})
		status := h.status
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return h, srv
}

// wait returns the calls once there are n, failing after a generous bound (the delivery loop is woken at once).
func (h *hook) wait(t *testing.T, n int) []hookCall {
	t.Helper()
	require.Eventually(t, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.calls) >= n
	}, 30*time.Second, 20*time.Millisecond, "the API destination received %d calls", n)
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookCall(nil), h.calls...)
}

func jsonField(t *testing.T, out, field string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m), out)
	v, _ := m[field].(string)
	require.NotEmpty(t, v, "%s in %s", field, out)
	return v
}

// TestEventsCLIRuleToAPIDestination drives EventBridge with the aws CLI: a rule matching S3 "Object Created" for
// a prefix, an API destination (API key connection) with an input transformer, put-events, test-event-pattern.
func TestEventsCLIRuleToAPIDestination(t *testing.T) {
	s := startServer(t)
	h, hs := newHook(t, http.StatusOK)

	// The connection and the API destination with boto3 (the aws CLI v1 would fetch an http:// parameter's URL).
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os
ev = boto3.client("events", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")
conn = ev.create_connection(Name="hook-conn", AuthorizationType="API_KEY",
    AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret-value"}})
assert "s3cret-value" not in str(ev.describe_connection(Name="hook-conn")), "DescribeConnection never shows the secret"
dest = ev.create_api_destination(Name="hook", ConnectionArn=conn["ConnectionArn"], InvocationEndpoint="`+hs.URL+`/hook/*",
    HttpMethod="POST", InvocationRateLimitPerSecond=10)
print(dest["ApiDestinationArn"])
`)
	require.NoError(t, err)
	destARN := strings.TrimSpace(out)

	pattern := `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"object":{"key":[{"prefix":"logs/"}]}}}`
	out, err = s.aws(t, "events", "put-rule", "--name", "s3-created", "--event-pattern", pattern)
	require.NoError(t, err)
	require.Equal(t, "arn:aws:events:us-east-1:"+testAccount+":rule/s3-created", jsonField(t, out, "RuleArn"))
	targets := `[{"Id":"hook","Arn":"` + destARN + `","HttpParameters":{"PathParameterValues":["p1"]},` +
		`"InputTransformer":{"InputPathsMap":{"key":"$.detail.object.key"},"InputTemplate":"{\"key\": <key>, \"rule\": \"<aws.events.rule-name>\"}"}}]`
	out, err = s.aws(t, "events", "put-targets", "--rule", "s3-created", "--targets", targets)
	require.NoError(t, err)
	require.Contains(t, out, `"FailedEntryCount": 0`)

	// test-event-pattern, both ways, and a refused pattern with its position.
	event := `{"id":"1","account":"` + testAccount + `","source":"aws.s3","time":"2024-01-01T00:00:00Z","region":"us-east-1",` +
		`"detail-type":"Object Created","resources":[],"detail":{"object":{"key":"logs/a.gz"}}}`
	out, err = s.aws(t, "events", "test-event-pattern", "--event-pattern", pattern, "--event", event)
	require.NoError(t, err)
	require.Contains(t, out, `"Result": true`)
	_, err = s.aws(t, "events", "put-rule", "--name", "bad", "--event-pattern", `{"detail":{"key":[{"prefixx":"a"}]}}`)
	require.ErrorContains(t, err, "InvalidEventPatternException")
	require.ErrorContains(t, err, "Unrecognized match type prefixx")
	require.ErrorContains(t, err, "column: 20")

	entries := `[{"Source":"aws.s3","DetailType":"Object Created","Detail":"{\"object\":{\"key\":\"logs/a.gz\"}}"},` +
		`{"Source":"aws.s3","DetailType":"Object Created","Detail":"{\"object\":{\"key\":\"other/b.gz\"}}"},` +
		`{"Source":"aws.s3","DetailType":"Object Created","Detail":"not json"}]`
	out, err = s.aws(t, "events", "put-events", "--entries", entries)
	require.NoError(t, err)
	var res struct {
		FailedEntryCount int
		Entries          []struct{ EventId, ErrorCode string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, 1, res.FailedEntryCount)
	require.NotEmpty(t, res.Entries[0].EventId)
	require.NotEmpty(t, res.Entries[1].EventId)
	require.Equal(t, "MalformedDetail", res.Entries[2].ErrorCode)

	calls := h.wait(t, 1)
	require.Equal(t, "/hook/p1", calls[0].Path)
	require.Equal(t, "s3cret-value", calls[0].APIKey)
	require.JSONEq(t, `{"key":"logs/a.gz","rule":"s3-created"}`, calls[0].Body)

	_, err = s.python(t, testKeyID, testSecret, `
import boto3, os, json
ev = boto3.client("events", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")
dest = "`+destARN+`"
assert ev.list_rule_names_by_target(TargetArn=dest)["RuleNames"] == ["s3-created"]
assert ev.list_targets_by_rule(Rule="s3-created")["Targets"][0]["Arn"] == dest
assert not ev.test_event_pattern(EventPattern=json.dumps({"source": ["aws.ec2"]}), Event=json.dumps({"id": "1",
    "account": "`+testAccount+`", "source": "aws.s3", "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
    "detail-type": "x", "resources": [], "detail": {}}))["Result"]
ev.disable_rule(Name="s3-created")
assert ev.describe_rule(Name="s3-created")["State"] == "DISABLED"
try:
    ev.delete_rule(Name="s3-created")
    raise SystemExit("a rule with targets was deleted")
except ev.exceptions.ClientError as e:
    assert "has targets" in str(e), e
ev.remove_targets(Rule="s3-created", Ids=["hook"])
ev.delete_rule(Name="s3-created")
try:
    ev.describe_rule(Name="s3-created")
    raise SystemExit("the deleted rule is still there")
except ev.exceptions.ResourceNotFoundException:
    pass
`)
	require.NoError(t, err)
	// The event that did not match reached nobody.
	require.Len(t, h.wait(t, 1), 1)
}

// TestEventsFailuresAreKept sends to an endpoint that fails: the failure is retried, then given up with no
// dead-letter queue — the event is kept, the per-rule metrics count it, and the log names rule, target and
// principal.
func TestEventsFailuresAreKept(t *testing.T) {
	s := startServer(t)
	h, hs := newHook(t, http.StatusInternalServerError)
	script := `
import boto3, json, os
ev = boto3.client("events", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")
conn = ev.create_connection(Name="oauth", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters={"OAuthParameters": {
    "ClientParameters": {"ClientID": "client-1", "ClientSecret": "client-secret"},
    "AuthorizationEndpoint": "` + hs.URL + `/oauth/token", "HttpMethod": "POST"}})
dest = ev.create_api_destination(Name="down", ConnectionArn=conn["ConnectionArn"], InvocationEndpoint="` + hs.URL + `/down",
    HttpMethod="PUT")
ev.create_event_bus(Name="lake")
ev.put_permission(EventBusName="lake", Action="events:PutEvents", Principal="444455556666", StatementId="partner")
pol = json.loads(ev.describe_event_bus(Name="lake")["Policy"])
assert pol["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}, pol
ev.remove_permission(EventBusName="lake", StatementId="partner")
assert "Policy" not in ev.describe_event_bus(Name="lake")
arn = ev.put_rule(Name="all", EventBusName="lake", EventPattern=json.dumps({"source": [{"prefix": "lake."}]}))["RuleArn"]
ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "sec"}])
assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "sec"}]
ev.put_targets(Rule="all", EventBusName="lake", Targets=[{"Id": "down", "Arn": dest["ApiDestinationArn"],
    "RetryPolicy": {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60}}])
r = ev.put_events(Entries=[{"Source": "lake.test", "DetailType": "t", "Detail": "{}", "EventBusName": "lake"}])
assert r["FailedEntryCount"] == 0, r
print(arn)
`
	out, err := s.python(t, testKeyID, testSecret, script)
	require.NoError(t, err)
	ruleARN := strings.TrimSpace(out)

	calls := h.wait(t, 2) // the attempt and its one retry
	require.Equal(t, "Bearer tok-123", calls[0].Auth, "the OAuth token fetched with the client credentials")
	require.Equal(t, "/down", calls[0].Path)

	metric := `seclake_events_failed_invocations_total{rule="` + ruleARN + `"} 1`
	dlq := `seclake_events_invocations_failed_to_be_sent_to_dlq_total{rule="` + ruleARN + `"} 1`
	require.Eventually(t, func() bool {
		resp, err := http.Get(s.URL + "/_seclake/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), metric) && strings.Contains(string(b), dlq)
	}, 30*time.Second, 50*time.Millisecond, "FailedInvocations and InvocationsFailedToBeSentToDlq count the event")
	logs := s.logs.String()
	require.Contains(t, logs, "events: delivery given up: kept")
	require.Contains(t, logs, "rule="+ruleARN)
	require.Contains(t, logs, "principal=events.amazonaws.com")
	require.NotContains(t, logs, "client-secret", "no secret in the log")

	// seclake events failures lists it, while the server runs.
	out, code := runSeclake(t, "events", "failures", "--data", s.DataDir, "--account", testAccount)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, `"RuleARN":"`+ruleARN+`"`)
	require.Contains(t, out, `"State":"KEPT"`)
	require.Contains(t, out, `"Principal":"events.amazonaws.com"`)
	require.Contains(t, out, "answered 500")
	require.Contains(t, out, "1 failed deliveries")

	// The endpoint is fixed: seclake events redrive queues the kept event again and the server sends it.
	h.mu.Lock()
	h.status = http.StatusOK
	h.mu.Unlock()
	out, code = runSeclake(t, "events", "redrive", "--data", s.DataDir)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "1 kept deliveries queued again")
	h.wait(t, 3)
	require.Eventually(t, func() bool {
		out, _ := runSeclake(t, "events", "failures", "--data", s.DataDir)
		return strings.Contains(out, "0 failed deliveries")
	}, 30*time.Second, 200*time.Millisecond, "the redriven event left the list")
}

// TestEventsCrossAccountPutEventsUnderTheBusPolicy: a member account's administrator puts events on the
// management account's custom bus — refused until the bus policy names the account (put-permission), then
// matched by the bus's rule and delivered with the sender's account in the event.
func TestEventsCrossAccountPutEventsUnderTheBusPolicy(t *testing.T) {
	s := startServer(t)
	h, hs := newHook(t, http.StatusOK)
	member := memberAccount(t, s, "partner", "partner@example.com")
	senderKey, senderSecret := userWithPolicy(t, memberAdmin(t, s, member), "sender", "arn:aws:iam::aws:policy/AdministratorAccess")
	_, err := s.python(t, testKeyID, testSecret, `
import boto3, os, json
ev = boto3.client("events", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")
ev.create_event_bus(Name="central")
conn = ev.create_connection(Name="c", AuthorizationType="BASIC", AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}})
dest = ev.create_api_destination(Name="d", ConnectionArn=conn["ConnectionArn"], InvocationEndpoint="`+hs.URL+`/central", HttpMethod="POST")
ev.put_rule(Name="partner", EventBusName="central", EventPattern=json.dumps({"account": ["`+member+`"]}))
ev.put_targets(Rule="partner", EventBusName="central", Targets=[{"Id": "d", "Arn": dest["ApiDestinationArn"], "InputPath": "$.account"}])
`)
	require.NoError(t, err)
	send := `
import boto3, os
ev = boto3.client("events", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")
try:
    r = ev.put_events(Entries=[{"Source": "partner.app", "DetailType": "t", "Detail": "{}",
        "EventBusName": "arn:aws:events:us-east-1:` + testAccount + `:event-bus/central"}])
    print("sent", r["FailedEntryCount"])
except ev.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], e.response["Error"]["Message"])
`
	out, err := s.python(t, senderKey, senderSecret, send)
	require.NoError(t, err)
	require.Contains(t, out, "AccessDeniedException")
	require.Contains(t, out, "events:PutEvents")

	_, err = s.aws(t, "events", "put-permission", "--event-bus-name", "central", "--action", "events:PutEvents",
		"--principal", member, "--statement-id", "partner")
	require.NoError(t, err)
	out, err = s.python(t, senderKey, senderSecret, send)
	require.NoError(t, err)
	require.Equal(t, "sent 0", strings.TrimSpace(out))
	calls := h.wait(t, 1)
	require.Equal(t, `"`+member+`"`, calls[0].Body, "the event carries the sender's account")
}
