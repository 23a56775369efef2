package edge_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

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
			api.REST("ListDataLakes", "GET /v1/datalakes", true, l.listDataLakes),
			api.REST("ListSubscribers", "GET /v1/subscribers", true, l.listSubscribers),
			api.REST("GetSubscriber", "GET /v1/subscribers/{subscriberId}", true, l.getSubscriber),
			api.REST("DeleteSubscriber", "DELETE /v1/subscribers/{subscriberId}", false, l.deleteSubscriber),
			api.REST("TagResource", "POST /v1/tags/{resourceArn+}", false, l.tagResource),
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
