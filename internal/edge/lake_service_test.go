package edge_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/edge"
)

// The wire shapes of a few Security Lake operations, as botocore's securitylake model declares them.

type listDataLakesInput struct {
	Regions []string `json:"-" location:"querystring" name:"regions"`
}

type dataLakeResource struct {
	DataLakeArn  string `json:"dataLakeArn"`
	Region       string `json:"region"`
	CreateStatus string `json:"createStatus"`
}

type listDataLakesOutput struct {
	DataLakes []dataLakeResource `json:"dataLakes"`
}

type listSubscribersInput struct {
	MaxResults *int32 `json:"-" location:"querystring" name:"maxResults"`
	NextToken  string `json:"-" location:"querystring" name:"nextToken"`
}

type listSubscribersOutput struct {
	Subscribers []subscriberResource `json:"subscribers"`
	NextToken   string               `json:"nextToken,omitempty"`
}

type subscriberInput struct {
	SubscriberID string `json:"-" location:"uri" name:"subscriberId"`
}

type subscriberResource struct {
	SubscriberID   string `json:"subscriberId"`
	SubscriberArn  string `json:"subscriberArn"`
	SubscriberName string `json:"subscriberName"`
}

type getSubscriberOutput struct {
	Subscriber subscriberResource `json:"subscriber"`
}

type lakeTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type tagResourceInput struct {
	ResourceArn string    `json:"-" location:"uri" name:"resourceArn"`
	Tags        []lakeTag `json:"tags"`
}

type empty struct{}

// lake is a test service in the shape of Security Lake: it records what each operation was bound to.
type lake struct {
	mu   sync.Mutex
	seen map[string]any // operation → its bound input
}

func (l *lake) saw(op string, in any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[op] = in
}

func (l *lake) input(op string) any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[op]
}

func (l *lake) service() *api.Service {
	return &api.Service{Name: "securitylake", EventSource: "securitylake.amazonaws.com", Protocol: awsproto.RESTJSON,
		Router: api.Routes(
			api.REST("ListDataLakes", "GET /v1/datalakes", "securitylake:ListDataLakes", true, l.listDataLakes).ExemptBecause(testDouble),
			api.REST("ListSubscribers", "GET /v1/subscribers", "securitylake:ListSubscribers", true, l.listSubscribers).ExemptBecause(testDouble),
			api.REST("GetSubscriber", "GET /v1/subscribers/{subscriberId}", "securitylake:GetSubscriber", true, l.getSubscriber).ExemptBecause(testDouble),
			api.REST("DeleteSubscriber", "DELETE /v1/subscribers/{subscriberId}", "securitylake:DeleteSubscriber", false, l.deleteSubscriber).ExemptBecause(testDouble),
			api.REST("TagResource", "POST /v1/tags/{resourceArn+}", "securitylake:TagResource", false, l.tagResource).ExemptBecause(testDouble),
		)}
}

func (l *lake) listDataLakes(_ context.Context, _ *api.Call, in *listDataLakesInput) (*listDataLakesOutput, error) {
	l.saw("ListDataLakes", *in)
	out := &listDataLakesOutput{}
	for _, r := range in.Regions {
		out.DataLakes = append(out.DataLakes, dataLakeResource{DataLakeArn: "arn:aws:securitylake:" + r + ":" + account + ":data-lake/default", Region: r, CreateStatus: "COMPLETED"})
	}
	return out, nil
}

func (l *lake) listSubscribers(_ context.Context, _ *api.Call, in *listSubscribersInput) (*listSubscribersOutput, error) {
	l.saw("ListSubscribers", *in)
	out := &listSubscribersOutput{Subscribers: []subscriberResource{}}
	if in.MaxResults != nil {
		out.NextToken = "after-" + strconv.Itoa(int(*in.MaxResults))
	}
	return out, nil
}

func (l *lake) getSubscriber(_ context.Context, _ *api.Call, in *subscriberInput) (*getSubscriberOutput, error) {
	l.saw("GetSubscriber", *in)
	switch in.SubscriberID {
	case "missing":
		return nil, awserr.New("ResourceNotFoundException", http.StatusNotFound, "The subscriber %s does not exist.", in.SubscriberID).
			With("resourceName", in.SubscriberID).With("resourceType", "Subscriber")
	case "busy":
		return nil, awserr.New("ThrottlingException", http.StatusTooManyRequests, "Slow down.").
			With("quotaCode", "L-0001").With("serviceCode", "securitylake").WithHeader("Retry-After", "7")
	}
	return &getSubscriberOutput{Subscriber: subscriberResource{SubscriberID: in.SubscriberID,
		SubscriberArn: "arn:aws:securitylake:us-east-1:" + account + ":subscriber/" + in.SubscriberID, SubscriberName: "siem"}}, nil
}

func (l *lake) deleteSubscriber(_ context.Context, _ *api.Call, in *subscriberInput) (*empty, error) {
	l.saw("DeleteSubscriber", *in)
	return &empty{}, nil
}

func (l *lake) tagResource(_ context.Context, _ *api.Call, in *tagResourceInput) (*empty, error) {
	l.saw("TagResource", *in)
	return &empty{}, nil
}

// auditRecorder keeps the records the edge writes, durable (mutating calls) and queued (read-only calls) apart.
type auditRecorder struct {
	mu              sync.Mutex
	durable, queued []*audit.Record
}

func (a *auditRecorder) Append(_ context.Context, r *audit.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.durable = append(a.durable, r)
	return nil
}

func (a *auditRecorder) AppendAsync(r *audit.Record) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.queued = append(a.queued, r)
}

// find returns the last record of the named event, and whether it was durable.
func (a *auditRecorder) find(event string) (*audit.Record, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.durable) - 1; i >= 0; i-- {
		if a.durable[i].EventName == event {
			return a.durable[i], true
		}
	}
	for i := len(a.queued) - 1; i >= 0; i-- {
		if a.queued[i].EventName == event {
			return a.queued[i], false
		}
	}
	return nil, false
}

// testDouble is why the test service's operations authorize nothing: they test the edge, not a domain.
const testDouble = "a test double of the edge"

// newLakeEdge serves the test Security Lake over plain HTTP, authenticating against a real identity store.
func newLakeEdge(t *testing.T) (*httptest.Server, *lake, *auditRecorder) {
	t.Helper()
	l := &lake{seen: make(map[string]any)}
	rec := &auditRecorder{}
	h, err := edge.New(edge.Config{Services: []*api.Service{l.service()}, Identity: newIdentities(t), Audit: audit.NewRecorder(rec, clock.System),
		Clock: clock.System, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Region: "us-east-1"})
	require.NoError(t, err)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, l, rec
}

// TestOperationsMustAuthorize shows the edge's two guards: a service whose operation declares no IAM action is
// refused at start, and an operation that succeeds without a decision on its action is answered with an
// internal failure, not its output.
func TestOperationsMustAuthorize(t *testing.T) {
	bare := &api.Service{Name: "securitylake", EventSource: "securitylake.amazonaws.com", Protocol: awsproto.RESTJSON,
		Router: api.Routes(api.REST("ListDataLakes", "GET /v1/datalakes", "", true, (&lake{}).listDataLakes))}
	_, err := edge.New(edge.Config{Services: []*api.Service{bare}, Identity: newIdentities(t), Clock: clock.System,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.ErrorContains(t, err, "operation ListDataLakes declares no IAM action")

	l := &lake{seen: make(map[string]any)}
	forgets := &api.Service{Name: "securitylake", EventSource: "securitylake.amazonaws.com", Protocol: awsproto.RESTJSON,
		Router: api.Routes(api.REST("ListDataLakes", "GET /v1/datalakes", "securitylake:ListDataLakes", true, l.listDataLakes))}
	var logs bytes.Buffer
	h, err := edge.New(edge.Config{Services: []*api.Service{forgets}, Identity: newIdentities(t), Clock: clock.System,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Region: "us-east-1"})
	require.NoError(t, err)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/v1/datalakes", nil)
	require.NoError(t, err)
	signer := v4.NewSigner()
	payload := sha256.Sum256(nil)
	require.NoError(t, signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
		req, hex.EncodeToString(payload[:]), "securitylake", "us-east-1", time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Equal(t, "InternalFailure", resp.Header.Get("X-Amzn-ErrorType"))
	require.Contains(t, logs.String(), "operation succeeded without an authorization decision on its action")
	require.Contains(t, logs.String(), "action=securitylake:ListDataLakes")
}
