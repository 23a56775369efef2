// Package edge is seclake's one HTTP listener: it gives every request an ID, routes it to a service by the
// signing name in its credential scope, authenticates it with SigV4, runs the operation, records it on the audit
// trail, encodes the result in the service's protocol, and counts it in the metrics.
package edge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/sigv4"
)

// MaxBodyBytes bounds the request bodies of JSON and Query services, which are read whole.
const MaxBodyBytes = 8 << 20

// Authenticator looks up access keys; *iam.Service satisfies it.
type Authenticator interface {
	Authenticate(ctx context.Context, keyID, sessionToken string) (*iam.Credential, error)
}

// Config holds what the edge needs.
type Config struct {
	Services []*api.Service
	Identity Authenticator
	// Audit records every call; *audit.Recorder satisfies it. Nil records nothing (tests).
	Audit  actor.Recorder
	Clock  clock.Clock
	Logger *slog.Logger
	// Registry receives the edge's metrics; nil leaves them unregistered.
	Registry prometheus.Registerer
	// Gatherer serves /_seclake/metrics; nil disables the endpoint.
	Gatherer prometheus.Gatherer
	// Health reports whether the server can serve (its stores are reachable).
	Health func(ctx context.Context) error
	// Jobs reports the cluster's background jobs for /_seclake/jobs, as a value encoded as JSON; nil
	// disables the endpoint.
	Jobs func(ctx context.Context) (any, error)
	// Region is used for requests without a credential scope.
	Region string
}

// Server routes, authenticates, runs and audits requests. It is an http.Handler.
type Server struct {
	cfg    Config
	byName map[string]*api.Service
	// byPrefix are the services that share a signing name with another, told apart by their path prefix.
	byPrefix map[string][]*api.Service
	verifier *sigv4.Verifier
	metrics  *metrics
	log      *slog.Logger
}

// New returns the edge server for the given services.
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, byName: make(map[string]*api.Service), byPrefix: map[string][]*api.Service{}, log: cfg.Logger}
	for _, svc := range cfg.Services {
		if svc.PathPrefix != "" {
			if err := checkOps(svc); err != nil {
				return nil, err
			}
			s.byPrefix[svc.Name] = append(s.byPrefix[svc.Name], svc)
			continue
		}
		if _, dup := s.byName[svc.Name]; dup {
			return nil, fmt.Errorf("edge: service %q registered twice", svc.Name)
		}
		if err := checkOps(svc); err != nil {
			return nil, err
		}
		s.byName[svc.Name] = svc
	}
	s.verifier = sigv4.NewVerifier(sigv4.Config{Now: cfg.Clock.Now})
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	return s, nil
}

// request is the state of one request as it passes through the edge.
type request struct {
	id      string
	start   time.Time
	svc     *api.Service
	op      *api.Op
	caller  *actor.Caller
	call    *api.Call
	log     *slog.Logger
	hostID  string
	isHead  bool
	errCode string
	// proto is the protocol the request speaks: its service's, or the Query protocol for a query-compatible
	// JSON service called the old way (SQS's Action=SendMessage).
	proto awsproto.Protocol
}

// ServeHTTP handles one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, internalPrefix) {
		s.serveInternal(w, r)
		return
	}
	rq := &request{id: awsproto.NewRequestID(), start: s.cfg.Clock.Now(), isHead: r.Method == http.MethodHead}
	rq.log = s.log.With("request_id", rq.id)
	s.metrics.inflight.Inc()
	defer s.metrics.inflight.Dec()

	auth, perr := sigv4.Parse(r)
	rq.svc = s.service(r, auth)
	if rq.svc == nil {
		p := s.protocolOf(r, auth)
		if auth == nil && perr == nil {
			s.writeError(w, rq, p, missingAuthError(familyOf(p)))
			return
		}
		s.writeError(w, rq, p, s.unknownService(auth))
		return
	}
	rq.proto = protocolFor(r, rq.svc)
	out, err := s.handle(r, rq, auth, perr)
	if err != nil {
		s.writeError(w, rq, rq.proto, s.toAWS(rq, err))
		return
	}
	s.writeOutput(w, rq, out)
}

// handle authenticates the request and runs its operation; the audit record is written before it returns.
func (s *Server) handle(r *http.Request, rq *request, auth *sigv4.Auth, perr error) (any, error) {
	fam := familyOf(rq.proto)
	var body []byte
	if !rq.svc.S3 {
		var err error
		if body, err = readBody(r); err != nil {
			return nil, err
		}
	}
	caller, payload, err := s.authenticate(r, rq, auth, perr, body, fam)
	if err != nil {
		return nil, err
	}
	rq.caller = caller
	rq.call = &api.Call{Caller: caller, HTTP: r, Body: body}
	if rq.svc.S3 {
		rq.call.Stream = r.Body
		if payload != nil {
			rq.call.Stream, rq.call.Payload = payload.Body, payload
		}
	}
	op, err := s.operation(r, rq)
	if err != nil {
		return nil, err
	}
	rq.op = op
	rq.call.Audit = s.newCall(rq)
	ctx := actor.WithCall(r.Context(), rq.call.Audit)
	out, opErr := op.Serve(ctx, rq.call)
	if opErr == nil && op.Exempt == "" && !op.Decided(rq.call.Audit.Authorized) {
		// The operation forgot to authorize: fail closed, and say so where the operator looks.
		rq.log.Error("operation succeeded without an authorization decision on its action; refusing to answer",
			"service", rq.svc.Name, "operation", op.Name, "action", op.Action)
		if c, ok := out.(io.Closer); ok {
			c.Close()
		}
		out, opErr = nil, awserr.Internal()
	}
	if aerr := s.audit(ctx, rq, opErr); aerr != nil {
		rq.log.Error("audit record not durable; refusing to acknowledge", "err", aerr)
		if c, ok := out.(io.Closer); ok {
			c.Close() // an output that holds resources (an object body) is never written
		}
		return nil, awserr.Internal()
	}
	return out, opErr
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, awserr.New("SerializationException", http.StatusBadRequest, "Could not read the request body: %v.", err)
	}
	if len(b) > MaxBodyBytes {
		return nil, awserr.New("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", MaxBodyBytes)
	}
	return b, nil
}

// authenticate verifies the request's signature and returns the caller and, for a signed S3 request, the
// verified payload.
func (s *Server) authenticate(r *http.Request, rq *request, auth *sigv4.Auth, perr error, body []byte, fam family) (*actor.Caller, *sigv4.Result, error) {
	caller := &actor.Caller{
		SourceIP:        sourceIP(r),
		UserAgent:       r.UserAgent(),
		SecureTransport: r.TLS != nil,
		Region:          s.cfg.Region,
		Time:            rq.start,
		RequestID:       rq.id,
	}
	if perr != nil {
		var se *sigv4.Error
		if errors.As(perr, &se) {
			return nil, nil, signatureError(fam, se)
		}
		return nil, nil, perr
	}
	if auth == nil {
		if !rq.svc.S3 {
			return nil, nil, missingAuthError(fam)
		}
		caller.Identity = actor.Identity{Type: actor.TypeAnonymous}
		return caller, nil, nil
	}
	caller.Region = auth.Region
	cred, err := s.cfg.Identity.Authenticate(r.Context(), auth.AccessKeyID, auth.SecurityToken)
	if err != nil {
		if errors.Is(err, iam.ErrUnknownKey) || errors.Is(err, iam.ErrInactiveKey) || errors.Is(err, iam.ErrBadToken) || errors.Is(err, iam.ErrExpiredToken) {
			return nil, nil, credentialError(fam, err, auth.AccessKeyID)
		}
		return nil, nil, fmt.Errorf("authenticate %s: %w", auth.AccessKeyID, err)
	}
	res, err := s.verifier.Verify(sigv4.Request{HTTP: r, Auth: auth, Secret: cred.Secret, S3: rq.svc.S3, Body: body})
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			return nil, nil, signatureError(fam, se)
		}
		return nil, nil, fmt.Errorf("verify signature: %w", err)
	}
	caller.Identity = cred.Identity
	return caller, res, nil
}

// sourceIP returns the client's address without the port.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// toAWS converts an operation's error into what the client sees; internal causes are logged here, once.
func (s *Server) toAWS(rq *request, err error) *awserr.Error {
	if e, ok := awserr.As(err); ok {
		return e
	}
	var se *sigv4.Error
	if errors.As(err, &se) && rq.svc != nil {
		return signatureError(familyOf(rq.proto), se)
	}
	if errors.Is(err, context.Canceled) {
		return awserr.New("RequestCanceled", 499, "The client closed the request.")
	}
	rq.log.Error("internal failure", "service", rq.svc.Name, "operation", opName(rq), "err", err)
	return awserr.Internal()
}

func opName(rq *request) string {
	if rq.op == nil {
		return "unknown"
	}
	return rq.op.Name
}
