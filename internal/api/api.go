// Package api defines how an AWS service is served at seclake's edge: a Service names its protocol and its
// operations; each operation decodes its input, calls one domain method and returns its output.
//
// The per-service packages (api/sts, api/kms, api/s3, …) build Services; the edge server routes requests to
// them, authenticates, audits and encodes. A handler never writes to the network itself except through a Writer.
package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/sigv4"
)

// Service describes one AWS service.
type Service struct {
	// Name is the service's signing name, as it appears in the SigV4 credential scope ("kms", "s3", "sts").
	Name string
	// EventSource is the audit trail's eventSource ("kms.amazonaws.com").
	EventSource string
	// Protocol is the service's wire protocol.
	Protocol awsproto.Protocol
	// TargetPrefix is the X-Amz-Target prefix of JSON protocols ("TrentService").
	TargetPrefix string
	// XMLNamespace is the response namespace of the Query protocol.
	XMLNamespace string
	// QueryCompatible marks JSON services that also report Query error codes (SQS).
	QueryCompatible bool
	// S3 selects S3's signing rules (canonical URI, payload modes, streaming bodies) and allows anonymous calls,
	// which the service's own policies then decide.
	S3 bool
	// Global services (IAM, Organizations) record their events in us-east-1, whatever the request's region.
	Global bool
	// Ops are the operations of JSON and Query services, by name (S3 lists its operations here too, but routes
	// requests with Route).
	Ops map[string]*Op
	// Route chooses the operation of a REST service from the request's method, path and query. It returns nil
	// for a request that matches no operation.
	Route func(r *http.Request) *Op
	// Unimplemented names the operation of the service's API that a request Route found nothing for asks for
	// ("GetBucketCors"), so that the answer can say which operation seclake does not implement; "" when
	// unknown.
	Unimplemented func(r *http.Request) string
	// Router chooses the operation of a REST-JSON service by the routes its operations declare (see REST).
	Router *Router
	// PathPrefix, when set, lets the service share its signing name with another: the edge sends the requests
	// signed for Name whose path starts with PathPrefix here, the others to the service without one (Glue's
	// Iceberg REST catalog at /iceberg/ beside the Glue API).
	PathPrefix string
	// WriteError, when set, renders the service's errors in a format of its own (the Iceberg REST error model)
	// instead of its protocol's, and returns the status it sent.
	WriteError func(w http.ResponseWriter, e *awserr.Error, requestID string) int
}

// Op is one operation of a service.
type Op struct {
	// Name is the operation's name as the model spells it ("GenerateDataKey").
	Name string
	// Action is the IAM action the operation authorizes ("kms:GenerateDataKey", "s3:GetObject" for
	// HeadObject). The edge refuses to start with an operation that declares none, and refuses to answer an
	// operation that succeeded without a decision on its action (see actor.Call.Authorized), so an operation
	// cannot forget to authorize.
	Action string
	// Also are other actions the operation authorizes on the way (CopyObject reads its source: s3:GetObject).
	Also []string
	// Or are actions the operation authorizes instead of Action for some requests (GetObject with a versionId
	// authorizes s3:GetObjectVersion); a decision on any of them satisfies the edge's check.
	Or []string
	// Exempt, when set, says why the operation needs no permission (sts:GetCallerIdentity); the edge then
	// does not look for a decision. Set it with ExemptBecause.
	Exempt string
	// ReadOnly operations change nothing; their audit records may be written after the response.
	// Mutating operations are acknowledged only once their audit record is durable.
	ReadOnly bool
	// Data marks data events (S3 object reads and writes) as opposed to management events.
	Data bool
	// Serve runs the operation. It returns the output to encode, or an error (an *awserr.Error for anything
	// the caller can act on).
	Serve func(ctx context.Context, c *Call) (any, error)
	// HTTP is the route of a REST operation, its method and path template ("GET /v1/subscribers/{subscriberId}");
	// empty for other protocols and for S3, whose Route chooses by hand.
	HTTP string
}

// Call is one request to an operation.
type Call struct {
	// Caller is who is calling; never nil (anonymous callers have TypeAnonymous).
	Caller *actor.Caller
	// HTTP is the request. Its body has already been consumed for JSON and Query services.
	HTTP *http.Request
	// Body is the whole request body of JSON and Query services.
	Body []byte
	// Form holds the parameters of a Query request.
	Form url.Values
	// Stream is the verified payload of an S3 request; reading it fails where verification fails.
	Stream io.Reader
	// Payload describes an S3 request's payload: its decoded length, protection mode and, once Stream has
	// returned io.EOF, the verified trailing checksum. Nil for other services and anonymous requests.
	Payload *sigv4.Result
	// Labels are the path labels bound by a REST service's Router.
	Labels awsproto.Labels
	// Audit is the call as the audit trail records it: the operation sets what it reports
	// (RequestParameters, ResponseElements, AdditionalEventData, Resources, RecipientAccount); the edge
	// fills in the rest and records it. Decisions made while the operation runs are noted on it.
	Audit *actor.Call
}

// AddResource records that the call touched a resource.
func (c *Call) AddResource(arn, account, typ string) { c.Audit.AddResource(arn, account, typ) }

// Writer is an output that writes its own response (S3 objects, REST responses with headers). The edge calls
// WriteResponse after the audit record is handled.
type Writer interface {
	WriteResponse(w http.ResponseWriter, requestID string) error
}

// JSON returns an operation of a JSON-protocol service whose input and output are the given types. The input is
// recorded as the audit record's requestParameters, and the output of a mutating operation as its
// responseElements; fn may override either through c.Audit.
func JSON[In, Out any](name, action string, readOnly bool, fn func(ctx context.Context, c *Call, in *In) (*Out, error)) *Op {
	return &Op{Name: name, Action: action, ReadOnly: readOnly, Serve: func(ctx context.Context, c *Call) (any, error) {
		in := new(In)
		if err := awsproto.DecodeJSON(c.Body, in); err != nil {
			return nil, err
		}
		return serveTyped(ctx, c, in, readOnly, fn)
	}}
}

// Query returns an operation of a Query-protocol service; see JSON for how it is audited.
func Query[In, Out any](name, action string, readOnly bool, fn func(ctx context.Context, c *Call, in *In) (*Out, error)) *Op {
	return &Op{Name: name, Action: action, ReadOnly: readOnly, Serve: func(ctx context.Context, c *Call) (any, error) {
		in := new(In)
		if err := awsproto.DecodeQuery(c.Form, in); err != nil {
			return nil, err
		}
		return serveTyped(ctx, c, in, readOnly, fn)
	}}
}

func serveTyped[In, Out any](ctx context.Context, c *Call, in *In, readOnly bool, fn func(context.Context, *Call, *In) (*Out, error)) (any, error) {
	if c.Audit == nil { // a call made outside the edge (tests) records nothing
		c.Audit = &actor.Call{}
	}
	c.Audit.RequestParameters = in
	out, err := fn(ctx, c, in)
	if err != nil {
		return nil, err
	}
	if !readOnly && c.Audit.ResponseElements == nil {
		c.Audit.ResponseElements = out
	}
	if out == nil {
		return nil, nil
	}
	return out, nil
}

// Decided reports whether authorized (actor.Call.Authorized) saw a decision on the operation's action or on
// one of its alternatives (Or).
func (o *Op) Decided(authorized func(action string) bool) bool {
	if authorized(o.Action) {
		return true
	}
	for _, a := range o.Or {
		if authorized(a) {
			return true
		}
	}
	return false
}

// ExemptBecause marks the operation as one that needs no permission, for the given reason, and returns it.
func (o *Op) ExemptBecause(reason string) *Op {
	o.Exempt = reason
	return o
}

// Check reports an operation that declares no action (and no exemption).
func (o *Op) Check() error {
	if o.Action == "" && o.Exempt == "" {
		return fmt.Errorf("operation %s declares no IAM action: give it the action it authorizes, or ExemptBecause", o.Name)
	}
	return nil
}

// Ops builds an operation map from a list, keyed by name.
func Ops(ops ...*Op) map[string]*Op {
	m := make(map[string]*Op, len(ops))
	for _, o := range ops {
		m[o.Name] = o
	}
	return m
}
